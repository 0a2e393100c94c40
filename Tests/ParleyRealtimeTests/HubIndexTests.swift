import ParleyModel
import Testing

@testable import ParleyRealtime

/// Who receives what, without sockets: a conversation's audience is its visitor's sessions and
/// the site's agent sessions on the channel; omni agents join a channel only by subscribing.
@Suite struct HubIndexTests {
    let site = SiteID(1)
    let otherSite = SiteID(2)

    func session(_ id: UInt64, _ identity: SessionIdentity, _ dialect: WireDialect) -> RealtimeSession {
        RealtimeSession(id: id, identity: identity, dialect: dialect, outboxLimit: 1 << 20, replayLimit: 10, outlet: nil)
    }

    func ids(_ sessions: [RealtimeSession]) -> Set<UInt64> { Set(sessions.map(\.id)) }

    @Test func audiencesFollowVisitorSiteAndSubscription() {
        var index = HubIndex()
        let visitor = session(1, .visitor(VisitorID(7), site: site), .native)
        let otherVisitor = session(2, .visitor(VisitorID(8), site: site), .native)
        let nativeAgent = session(3, .agent(AgentID(1), site: site), .native)
        let omniAgent = session(4, .agent(AgentID(2), site: site), .omni)
        let foreignAgent = session(5, .agent(AgentID(3), site: otherSite), .native)
        for session in [visitor, otherVisitor, nativeAgent, omniAgent, foreignAgent] { index.insert(session) }

        #expect(ids(index.audience(visitor: VisitorID(7), site: site, channel: "messages")) == [1, 3])
        index.subscribe(omniAgent, to: ["messages", "nonsense"])
        #expect(ids(index.audience(visitor: VisitorID(7), site: site, channel: "messages")) == [1, 3, 4])
        #expect(ids(index.audience(visitor: VisitorID(7), site: site, channel: "conversations")) == [1, 3])
        #expect(ids(index.presenceAudience(of: .visitor(VisitorID(7), site: site))) == [3, 4])
        #expect(ids(index.presenceAudience(of: .agent(AgentID(1), site: site))) == [1, 2])

        let removed = index.remove(omniAgent)
        let removedAgain = index.remove(omniAgent)
        #expect(removed && !removedAgain)
        #expect(ids(index.audience(visitor: VisitorID(7), site: site, channel: "messages")) == [1, 3])
        // A session that is gone cannot be subscribed back in.
        index.subscribe(omniAgent, to: ["messages"])
        #expect(ids(index.audience(visitor: VisitorID(7), site: site, channel: "messages")) == [1, 3])
        let visitorRemoved = index.remove(visitor)
        #expect(visitorRemoved)
        #expect(ids(index.audience(visitor: VisitorID(7), site: site, channel: "messages")) == [3])
        #expect(index.sessions.count == 3)
    }

    /// The `analysis` event's question: is a native agent of the site connected (omni agents,
    /// visitors and other sites' agents do not count; the last one leaving ends it).
    @Test func aSiteHasNativeAgentsWhileOneIsConnected() {
        var index = HubIndex()
        let omniAgent = session(1, .agent(AgentID(1), site: site), .omni)
        let visitor = session(2, .visitor(VisitorID(7), site: site), .native)
        let foreignAgent = session(3, .agent(AgentID(2), site: otherSite), .native)
        for session in [omniAgent, visitor, foreignAgent] { index.insert(session) }
        index.subscribe(omniAgent, to: ["messages"])
        #expect(!index.hasNativeAgent(of: site))
        #expect(index.hasNativeAgent(of: otherSite))

        let nativeAgent = session(4, .agent(AgentID(3), site: site), .native)
        index.insert(nativeAgent)
        #expect(index.hasNativeAgent(of: site))
        _ = index.remove(nativeAgent)
        #expect(!index.hasNativeAgent(of: site))
    }
}
