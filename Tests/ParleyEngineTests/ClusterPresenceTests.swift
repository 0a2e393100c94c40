import ParleyEngine
import ParleyModel
import Testing

/// Presence on the other nodes of a cluster, without Redis: joins and leaves per node, a
/// participant online on two nodes, a node that falls silent (docs/SCALING.md).
struct ClusterPresenceTests {
    let vera = Participant.visitor(VisitorID(1))
    let ann = Participant.agent(AgentID(2))
    let site = SiteID(1)

    @Test func aParticipantIsOnlineWhileAnyNodeHasThem() {
        var presence = ClusterPresence()
        let now = ContinuousClock.now
        let first = presence.joined(vera, site: site, node: "a", now: now)
        let second = presence.joined(vera, site: site, node: "b", now: now)
        #expect(first && !second)
        #expect(presence.isOnline(vera) && presence.online(site: site) == [vera])
        let stillThere = presence.left(vera, node: "a", now: now)
        #expect(stillThere == nil && presence.isOnline(vera))
        let gone = presence.left(vera, node: "b", now: now)
        #expect(gone == site)
        #expect(!presence.isOnline(vera) && presence.online(site: SiteID(1)).isEmpty)
        // A leave from a node that never had them changes nothing.
        let unknown = presence.left(ann, node: "a", now: now)
        #expect(unknown == nil)
    }

    @Test func aSilentNodesParticipantsGoOffline() {
        var presence = ClusterPresence(lifetime: .seconds(15))
        let start = ContinuousClock.now
        _ = presence.joined(vera, site: site, node: "a", now: start)
        _ = presence.joined(ann, site: site, node: "a", now: start)
        _ = presence.joined(ann, site: site, node: "b", now: start)
        presence.heard("b", now: start + .seconds(10))
        let early = presence.expire(now: start + .seconds(14))
        #expect(early.isEmpty)
        let gone = presence.expire(now: start + .seconds(20))
        #expect(gone.map(\.participant) == [vera])
        #expect(presence.isOnline(ann) && !presence.isOnline(vera))
        // Node a comes back: a join counts again.
        let back = presence.joined(vera, site: site, node: "a", now: start + .seconds(21))
        #expect(back)
    }

    @Test func theBoardCountsOtherNodesButAnnouncesOnlyRealChanges() {
        let board = PresenceBoard()
        let now = ContinuousClock.now
        #expect(board.connect(vera, site: site))
        // Already online here: another node's join is not a change.
        #expect(!board.remoteJoined(vera, site: site, node: "b", now: now))
        #expect(board.isOnlineElsewhere(vera))
        #expect(board.remoteLeft(vera, node: "b", now: now) == nil)
        #expect(board.remoteJoined(ann, site: site, node: "b", now: now))
        #expect(board.isOnline(ann) && board.online(site: site) == [vera, ann])
        #expect(board.seen(ann) == .online)
        #expect(board.remoteLeft(ann, node: "b", now: now) == site)
        #expect(!board.isOnline(ann))
        #expect(board.local().map(\.participant) == [vera])
    }
}
