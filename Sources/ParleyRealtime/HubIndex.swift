import ParleyModel

/// The hub's indexes of open sessions: a plain struct, kept under the hub's lock. Sessions are
/// stored by reference in every index, so routing a message walks the recipients directly.
struct HubIndex {
    typealias Sessions = [UInt64: RealtimeSession]

    private(set) var sessions: Sessions = [:]
    private var byVisitor: [VisitorID: Sessions] = [:]
    /// Every agent session of a site (for presence).
    private var agentsBySite: [SiteID: Sessions] = [:]
    /// Per channel (`messages`, `conversations`), the agent sessions of a site that receive it:
    /// native sessions from the start, omni sessions once they subscribe. Routing a message
    /// visits only these, never the site's unsubscribed sessions.
    private var channelAgentsBySite: [String: [SiteID: Sessions]] = [:]
    private var visitorsBySite: [SiteID: Sessions] = [:]
    private(set) var nextID: UInt64 = 1

    /// The channels a session may subscribe to.
    static let channels = ["conversations", "messages"]

    init() {}

    /// The id the next session gets.
    mutating func allocateID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    mutating func insert(_ session: RealtimeSession) {
        sessions[session.id] = session
        switch session.identity {
        case .agent(_, let site):
            agentsBySite[site, default: [:]][session.id] = session
            if session.dialect == .native { subscribe(session, to: Self.channels) }
        case .visitor(let visitor, let site):
            byVisitor[visitor, default: [:]][session.id] = session
            visitorsBySite[site, default: [:]][session.id] = session
        }
    }

    /// Removes the session; false when it was not (or no longer) here.
    mutating func remove(_ session: RealtimeSession) -> Bool {
        guard sessions.removeValue(forKey: session.id) != nil else { return false }
        switch session.identity {
        case .agent(_, let site):
            agentsBySite[site]?[session.id] = nil
            for channel in Self.channels { channelAgentsBySite[channel]?[site]?[session.id] = nil }
        case .visitor(let visitor, let site):
            byVisitor[visitor]?[session.id] = nil
            if byVisitor[visitor]?.isEmpty == true { byVisitor[visitor] = nil }
            visitorsBySite[site]?[session.id] = nil
        }
        return true
    }

    /// Adds an open agent session to the audience of `channels` (unknown channels are ignored).
    mutating func subscribe(_ session: RealtimeSession, to channels: [String]) {
        guard case .agent(_, let site) = session.identity, sessions[session.id] != nil else { return }
        for channel in channels where Self.channels.contains(channel) {
            channelAgentsBySite[channel, default: [:]][site, default: [:]][session.id] = session
        }
    }

    /// Every session of a visitor.
    func sessions(of visitor: VisitorID) -> [RealtimeSession] { byVisitor[visitor].map { Array($0.values) } ?? [] }

    /// The candidates for `channel` of a conversation: its visitor's sessions (the caller checks
    /// their subscriptions) and the site's agent sessions on that channel.
    func audience(visitor: VisitorID?, site: SiteID, channel: String) -> [RealtimeSession] {
        let visitors = visitor.flatMap { byVisitor[$0] }
        let agents = channelAgentsBySite[channel]?[site]
        var result: [RealtimeSession] = []
        result.reserveCapacity((visitors?.count ?? 0) + (agents?.count ?? 0))
        if let visitors { result.append(contentsOf: visitors.values) }
        if let agents { result.append(contentsOf: agents.values) }
        return result
    }

    /// Whether a native agent session of `site` receives `messages` (the `analysis` event's
    /// audience), without collecting the site's sessions: stops at the first one.
    func hasNativeAgent(of site: SiteID) -> Bool {
        channelAgentsBySite["messages"]?[site]?.values.contains { $0.dialect == .native } ?? false
    }

    /// Who hears that `identity` came or went: a visitor's site agents, an agent's site visitors.
    func presenceAudience(of identity: SessionIdentity) -> [RealtimeSession] {
        let sessions = switch identity {
        case .visitor: agentsBySite[identity.site]
        case .agent: visitorsBySite[identity.site]
        }
        return sessions.map { Array($0.values) } ?? []
    }
}
