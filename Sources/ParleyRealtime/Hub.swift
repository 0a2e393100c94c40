public import Logging
public import NIOCore
public import ParleyEngine
public import ParleyModel
import ParleyStorage
public import ServiceLifecycle
import Synchronization

/// The routing hub: indexes sessions by visitor and by site, and fans every broker event out to
/// each session that may see it. Each event is encoded once per wire dialect and the same bytes
/// are queued to every recipient; nothing here waits for a client. Runs as a `Service` that
/// expires presence after its grace period and closes every session (1001) at shutdown.
public final class Hub: BrokerSubscriber, Service {
    let broker: Broker
    let configuration: RealtimeConfiguration
    private let logger: Logger

    struct Index: Sendable {
        var sessions: [UInt64: RealtimeSession] = [:]
        var byVisitor: [VisitorID: Set<UInt64>] = [:]
        /// Every agent session of a site (for presence).
        var agentsBySite: [SiteID: Set<UInt64>] = [:]
        /// Per channel (`messages`, `conversations`), the agent sessions of a site that receive
        /// it: native sessions from the start, omni sessions once they subscribe. Routing a
        /// message visits only these, never the site's unsubscribed sessions.
        var channelAgentsBySite: [String: [SiteID: Set<UInt64>]] = [:]
        var visitorsBySite: [SiteID: Set<UInt64>] = [:]
        var presence: PresenceTracker<SessionIdentity>
        var nextID: UInt64 = 1
    }

    private let index: Mutex<Index>
    /// Each event loop's batch of session flushes.
    let flushQueues = LoopFlushQueues()

    public init(broker: Broker, configuration: RealtimeConfiguration, logger: Logger = Logger(label: "parley.realtime")) {
        self.broker = broker
        self.configuration = configuration
        self.logger = logger
        index = Mutex(Index(presence: PresenceTracker(grace: configuration.presenceGrace)))
        broker.subscribe(self)
    }

    // MARK: Sessions

    /// Opens a session for `identity` that writes through `outlet`; announces the identity when
    /// it just came online.
    func open(_ identity: SessionIdentity, dialect: WireDialect, outlet: SessionOutlet.Handle?) -> RealtimeSession {
        let (session, joined) = index.withLock { index in
            let session = RealtimeSession(
                id: index.nextID, identity: identity, dialect: dialect, outboxLimit: configuration.outboxBytes,
                replayLimit: configuration.replayLimit, outlet: outlet)
            index.nextID += 1
            index.sessions[session.id] = session
            switch identity {
            case .agent(_, let site):
                index.agentsBySite[site, default: []].insert(session.id)
                if dialect == .native {
                    for channel in Self.channels { index.channelAgentsBySite[channel, default: [:]][site, default: []].insert(session.id) }
                }
            case .visitor(let visitor, let site):
                index.byVisitor[visitor, default: []].insert(session.id)
                index.visitorsBySite[site, default: []].insert(session.id)
            }
            return (session, index.presence.connect(identity))
        }
        if joined { announcePresence(identity, joined: true) }
        return session
    }

    /// Removes a closed session; its identity leaves after the grace period if it was the last.
    public func close(_ session: RealtimeSession) {
        session.close()
        index.withLock { index in
            guard index.sessions.removeValue(forKey: session.id) != nil else { return }
            switch session.identity {
            case .agent(_, let site):
                index.agentsBySite[site]?.remove(session.id)
                for channel in Self.channels { index.channelAgentsBySite[channel]?[site]?.remove(session.id) }
            case .visitor(let visitor, let site):
                index.byVisitor[visitor]?.remove(session.id)
                if index.byVisitor[visitor]?.isEmpty == true { index.byVisitor[visitor] = nil }
                index.visitorsBySite[site]?.remove(session.id)
            }
            index.presence.disconnect(session.identity, now: .now)
        }
    }

    public var sessionCount: Int { index.withLock { $0.sessions.count } }

    public func isOnline(_ identity: SessionIdentity) -> Bool { index.withLock { $0.presence.isOnline(identity) } }

    // MARK: Fan-out

    public func receive(_ events: [BrokerEvent]) {
        for event in events {
            switch event {
            case .committed(_, .messageAppended(let message)):
                route(message)
            case .committed(_, .readCursorMoved(let conversation, let reader, let seq, _)):
                routeReceipt(conversation, reader: reader, seq: seq)
            case .typing(let conversation, let typist, let isTyping):
                routeTyping(conversation, typist: typist, isTyping: isTyping)
            case .committed(_, .conversationOpened(let conversation)):
                routeConversationUpdate(conversation.id, at: conversation.createdAt)
            case .committed(_, .conversationAssigned(let conversation, _, let at)),
                .committed(_, .conversationClosed(let conversation, let at)):
                routeConversationUpdate(conversation, at: at)
            default:
                break
            }
        }
    }

    /// The channels a session may subscribe to.
    static let channels = ["conversations", "messages"]

    /// Subscribes an omni session to `channels` (native sessions get every channel from the start).
    public func subscribe(_ session: RealtimeSession, to channels: [String]) {
        session.subscribe(channels)
        guard case .agent(_, let site) = session.identity else { return }
        index.withLock { index in
            guard index.sessions[session.id] != nil else { return }
            for channel in channels where Self.channels.contains(channel) {
                index.channelAgentsBySite[channel, default: [:]][site, default: []].insert(session.id)
            }
        }
    }

    /// The sessions that receive `channel` for `conversation`: its visitor's sessions that are
    /// subscribed, and the site's agent sessions on that channel.
    private func audience(_ conversation: Conversation, channel: String) -> [RealtimeSession] {
        var sessions: [RealtimeSession] = []
        index.withLock { index in
            for id in index.byVisitor[conversation.visitorID] ?? [] {
                if let session = index.sessions[id] { sessions.append(session) }
            }
            for id in index.channelAgentsBySite[channel]?[conversation.siteID] ?? [] {
                if let session = index.sessions[id] { sessions.append(session) }
            }
        }
        return sessions.filter { $0.identity.isAgent || $0.isSubscribed(channel) }
    }

    private func route(_ message: Message) {
        guard let conversation = broker.conversation(message.conversationID) else { return }
        let sessions = audience(conversation, channel: "messages")
        guard !sessions.isEmpty else { return }
        let frames = encodeOnce(for: sessions) { dialect, state in dialect.message(message, state: state) }
        let writerSide = ConversationSide(message.sender)
        var reachedOtherSide = false
        for session in sessions {
            guard let frame = frames[session.dialect] else { continue }
            session.offer(message.conversationID, seq: message.seq, frame: frame) { after, before in
                history(message.conversationID, after: after, before: before, dialect: session.dialect)
            }
            if session.identity.side != writerSide { reachedOtherSide = true }
        }
        if reachedOtherSide {
            broker.deliveries.markDelivered(message.conversationID, to: writerSide.other, through: message.seq)
        }
    }

    /// Encoded messages with `after < seq < before`, oldest first.
    func history(_ conversation: ConversationID, after: UInt64, before: UInt64, dialect: WireDialect) -> [WireFrame] {
        broker.store.read { state in
            guard let log = state.conversations[conversation], before > 0 else { return [] }
            let upper = min(before - 1, log.lastSeq)
            guard upper > after else { return [] }
            return (after + 1...upper).map { dialect.message(log.messages[Int($0 - 1)], state: state) }
        }
    }

    private func routeReceipt(_ conversationID: ConversationID, reader: Participant, seq: UInt64) {
        broadcast(conversationID, channel: "messages", excluding: reader) { dialect, state in
            state.conversations[conversationID].map { dialect.receipt($0, reader: reader, seq: seq, state: state) }
        }
    }

    private func routeTyping(_ conversationID: ConversationID, typist: Participant, isTyping: Bool) {
        broadcast(conversationID, channel: "conversations", excluding: typist) { dialect, state in
            dialect.typing(conversationID, typist, isTyping: isTyping, state: state)
        }
    }

    /// Sends a frame that is not a message (no positions to keep) to everyone else on `channel`
    /// of the conversation, encoded once per dialect.
    private func broadcast(
        _ conversationID: ConversationID, channel: String, excluding participant: Participant,
        _ encode: (WireDialect, borrowing ParleyState) -> WireFrame?
    ) {
        guard let conversation = broker.conversation(conversationID) else { return }
        let sessions = audience(conversation, channel: channel).filter { $0.identity.participant != participant }
        guard !sessions.isEmpty else { return }
        let frames = encodeOnce(for: sessions, encode)
        for session in sessions {
            if let frame = frames[session.dialect] { session.send(frame) }
        }
    }

    /// Omni's `conversation.updated` (the native protocol has no such event).
    private func routeConversationUpdate(_ conversationID: ConversationID, at: Timestamp) {
        guard let conversation = broker.conversation(conversationID) else { return }
        let sessions = audience(conversation, channel: "conversations").filter { $0.dialect == .omni }
        guard !sessions.isEmpty else { return }
        let frame = OmniFrames.conversationUpdated(conversation, at: at)
        for session in sessions { session.send(frame) }
    }

    /// One encoding per dialect among `sessions`, under one read of the state.
    private func encodeOnce(
        for sessions: [RealtimeSession], _ encode: (WireDialect, borrowing ParleyState) -> WireFrame?
    ) -> [WireDialect: WireFrame] {
        let dialects = Set(sessions.map(\.dialect))
        return broker.store.read { state in
            var frames: [WireDialect: WireFrame] = [:]
            for dialect in dialects { frames[dialect] = encode(dialect, state) }
            return frames
        }
    }

    /// Visitors are announced to their site's agents; agents to their site's visitors.
    private func announcePresence(_ identity: SessionIdentity, joined: Bool) {
        // Presence events are native only: the omni protocol has none.
        let sessions: [RealtimeSession] = index.withLock { index in
            let ids: Set<UInt64> = switch identity {
            case .visitor: index.agentsBySite[identity.site] ?? []
            case .agent: index.visitorsBySite[identity.site] ?? []
            }
            return ids.compactMap { index.sessions[$0] }.filter { $0.dialect == .native }
        }
        guard !sessions.isEmpty else { return }
        let frame = broker.store.read { NativeFrames.presence(identity, joined: joined, state: $0) }
        for session in sessions { session.send(frame) }
    }

    // MARK: Resume

    /// Replays what the session missed after each position, then says whether it recovered.
    public func resume(_ session: RealtimeSession, positions: [ConversationID: UInt64]) {
        let visible: [(ConversationID, UInt64, head: UInt64)] = broker.store.read { state in
            positions.sorted { $0.key < $1.key }.compactMap { conversation, position in
                guard let log = state.conversations[conversation], Self.sees(session.identity, log.conversation) else {
                    return nil
                }
                return (conversation, position, log.lastSeq)
            }
        }
        let allVisible = visible.count == positions.count
        session.resume(visible) { after, through, conversation in
            history(conversation, after: after, before: through + 1, dialect: session.dialect)
        } resumed: { recovered in
            NativeFrames.resumed(recovered && allVisible)
        }
        release(session)
    }

    /// Lets the session's held live messages go (after its first frame, or a timeout).
    public func release(_ session: RealtimeSession) {
        session.release { conversation, after, before in
            history(conversation, after: after, before: before, dialect: session.dialect)
        }
    }

    static func sees(_ identity: SessionIdentity, _ conversation: Conversation) -> Bool {
        switch identity {
        case .agent(_, let site): conversation.siteID == site
        case .visitor(let visitor, _): conversation.visitorID == visitor
        }
    }

    // MARK: Service

    public func run() async throws {
        // Ends quietly at graceful shutdown: a thrown cancellation would count as a failure.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                let gone = self.index.withLock { $0.presence.expire(now: .now) }
                for identity in gone { self.announcePresence(identity, joined: false) }
            }
        }
    }

    /// Every open session, for shutdown.
    public var openSessions: [RealtimeSession] { index.withLock { Array($0.sessions.values) } }

    /// Closes every session with 1001 and waits (at most `timeout`) until they are gone.
    public func closeAllForShutdown(timeout: Duration) async {
        for session in openSessions { session.closeForShutdown() }
        let deadline = ContinuousClock.now + timeout
        while sessionCount > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
