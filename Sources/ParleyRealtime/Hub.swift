public import Logging
public import NIOCore
public import ParleyEngine
public import ParleyModel
import CoreMetrics
import ParleyHTTP
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

    private let index: Mutex<HubIndex>
    /// How many native agent sessions are open: lets a commit's subscribers that serve only
    /// them (the `analysis` event) skip their work without taking the index's lock.
    private let nativeAgentSessions = Atomic<Int>(0)
    /// Told when a participant comes online on, or leaves, this node (a cluster's signals).
    private let presenceListener = Mutex<(@Sendable (SessionIdentity, _ joined: Bool) -> Void)?>(nil)
    /// Each event loop's batch of session flushes.
    let flushQueues: LoopFlushQueues

    /// `fanOut` is the serial executor of the fan-out: one of the server's own event loops (its
    /// sessions are then written without a thread hop).
    public init(
        broker: Broker, configuration: RealtimeConfiguration, fanOut: any EventLoop,
        logger: Logger = Logger(label: "parley.realtime")
    ) {
        self.broker = broker
        self.configuration = configuration
        self.fanOutLoop = fanOut
        self.logger = logger
        flushQueues = LoopFlushQueues(writeDelay: configuration.writeDelay)
        index = Mutex(HubIndex())
        broker.subscribe(self)
    }

    // MARK: Sessions

    /// Opens a session for `identity` that writes through `outlet` and is closed by `closer`;
    /// announces the identity when it just came online.
    func open(
        _ identity: SessionIdentity, dialect: WireDialect, outlet: SessionOutlet.Handle?, batchesFrames: Bool = false,
        closer: (@Sendable (RealtimeSession, RealtimeSession.CloseReason) -> Void)? = nil
    ) -> RealtimeSession {
        // The presence board is told under the index lock (the board's lock nests inside it,
        // never the other way round), so a close racing this open cannot be counted first.
        let (session, joined) = index.withLock { index in
            let session = RealtimeSession(
                id: index.allocateID(), identity: identity, dialect: dialect, outboxLimit: configuration.outboxBytes,
                replayLimit: configuration.replayLimit, outlet: outlet, batchesFrames: batchesFrames, closer: closer)
            index.insert(session)
            return (session, broker.presence.connect(identity.participant, site: identity.site))
        }
        if session.servesNativeAgent { nativeAgentSessions.add(1, ordering: .relaxed) }
        if joined { presenceChangedHere(identity, joined: true) }
        RealtimeMetrics.shared.sessionOpened(session)
        return session
    }

    /// Removes a closed session; its identity leaves after the grace period if it was the last.
    public func close(_ session: RealtimeSession) {
        session.close()
        let removed = index.withLock { index in
            guard index.remove(session) else { return false }
            broker.presence.disconnect(
                session.identity.participant, at: .now(), leavesAt: .now + configuration.presenceGrace)
            return true
        }
        guard removed else { return }
        if session.servesNativeAgent { nativeAgentSessions.subtract(1, ordering: .relaxed) }
        RealtimeMetrics.shared.sessionClosed(session)
    }

    public var sessionCount: Int { index.withLock { $0.sessions.count } }

    public func isOnline(_ identity: SessionIdentity) -> Bool { broker.presence.isOnline(identity.participant) }

    // MARK: Fan-out

    /// The fan-out's serial executor: a SwiftNIO event loop. Committed events arrive on the
    /// log's flusher thread; handing them on here keeps encoding and routing off the commit
    /// path, so the flusher syncs the next batch and resumes its writers meanwhile. The loop's
    /// FIFO queue keeps the events in the order they arrive.
    let fanOutLoop: any EventLoop

    public func receive(_ events: [BrokerEvent]) {
        fanOutLoop.execute { self.route(events) }
    }

    /// Routes each event to its audience, in order.
    func route(_ events: [BrokerEvent]) {
        var index = events.startIndex
        while index < events.endIndex {
            switch events[index] {
            case .committed(_, .messageAppended(let first)):
                // A run of messages to one conversation goes out together: one lock and one
                // flush per recipient, whatever the run's length.
                var run = [first]
                while index + 1 < events.endIndex, case .committed(_, .messageAppended(let next)) = events[index + 1],
                    next.conversationID == first.conversationID
                {
                    run.append(next)
                    index += 1
                }
                route(run)
            case .committed(_, .readCursorMoved(let conversation, let reader, let seq, _)):
                routeReceipt(conversation, reader: reader, seq: seq)
            case .typing(let conversation, let typist, let isTyping):
                routeTyping(conversation, typist: typist, isTyping: isTyping)
            case .committed(_, .conversationOpened(let conversation)):
                routeConversationUpdate(conversation.id, at: conversation.createdAt)
            case .committed(_, .conversationAssigned(let conversation, _, let at)),
                .committed(_, .conversationClosed(let conversation, let at)):
                routeConversationUpdate(conversation, at: at)
            case .committed(_, .visitorErased(let visitor, _, _)):
                // Its sessions' tokens are void now; the sockets open with them close too.
                for session in self.index.withLock({ $0.sessions(of: visitor) }) { session.closeRevoked() }
            default:
                break
            }
            index += 1
        }
    }

    /// Subscribes an omni session to `channels` (native sessions get every channel from the start).
    public func subscribe(_ session: RealtimeSession, to channels: [String]) {
        session.subscribe(channels)
        index.withLock { $0.subscribe(session, to: channels) }
    }

    /// The sessions that receive `channel` for `conversation`: its visitor's sessions that are
    /// subscribed, and the site's agent sessions on that channel (a group chat's members only).
    private func audience(_ conversation: Conversation, channel: String) -> [RealtimeSession] {
        let candidates = index.withLock { $0.audience(visitor: conversation.visitorID, site: conversation.siteID, channel: channel) }
        return candidates.filter { session in
            switch session.identity {
            case .agent(let agent, _): conversation.admits(agent: agent)
            case .visitor: session.isSubscribed(channel)
            }
        }
    }

    /// Fans out `messages` (one conversation, ascending `seq`), each encoded once per dialect.
    private func route(_ messages: [Message]) {
        guard let last = messages.last, let conversation = broker.conversation(last.conversationID) else { return }
        let sessions = audience(conversation, channel: "messages")
        guard !sessions.isEmpty else { return }
        let dialects = DialectFrames.Dialects(of: sessions)
        // Only the native sender's names come from the state, and only when a native session
        // receives the run: they are read under its lock and the frames written after it, so the
        // flusher's apply and readers do not wait for them.
        let senders = dialects.native ? broker.store.read { state in messages.map { NativeWire.sender($0.sender, state: state) } } : []
        let prepared = messages.indices.map { index in
            PreparedMessage(
                message: messages[index], frames: DialectFrames(dialects) { $0.message(messages[index], nativeSender: senders[index]) })
        }
        var reachedVisitor = false
        var reachedStaff = false
        for session in sessions {
            session.offer(conversation.id, prepared) { after, before in
                history(conversation.id, after: after, before: before, for: session)
            }
            if session.identity.side == .visitor { reachedVisitor = true } else { reachedStaff = true }
        }
        let metrics = RealtimeMetrics.shared
        metrics.deliveries.increment(by: sessions.count * messages.count)
        if let first = messages.first {
            metrics.fanOutDelay.recordMilliseconds(max(0, Timestamp.now().milliseconds - first.createdAt.milliseconds))
        }
        // A side that a session of it was sent the run has what the other side wrote in it.
        for side in [ConversationSide.visitor, .staff] where side == .visitor ? reachedVisitor : reachedStaff {
            if let newest = messages.last(where: { ConversationSide($0.sender) == side.other }) {
                broker.deliveries.markDelivered(conversation.id, to: side, through: newest.seq)
            }
        }
    }

    /// Encoded messages with `after < seq < before`, oldest first (cold ones read from history
    /// files outside the state's lock).
    func history(_ conversation: ConversationID, after: UInt64, before: UInt64, dialect: WireDialect) throws -> [WireFrame] {
        guard before > 0 else { return [] }
        // The usual case, all hot, is encoded under one read; a range reaching into cold
        // history comes out as the conversation, to be read outside the lock.
        enum Found { case frames([WireFrame]), cold(ConversationLog, ClosedRange<UInt64>) }
        let found: Found = broker.store.read { state in
            guard let log = state.conversations[conversation] else { return .frames([]) }
            let upper = min(before - 1, log.lastSeq)
            guard upper > after else { return .frames([]) }
            guard after + 1 > log.coldThrough else { return .cold(log, (after + 1)...upper) }
            return .frames((after + 1...upper).compactMap { log.message(seq: $0).map { dialect.message($0, state: state) } })
        }
        switch found {
        case .frames(let frames): return frames
        case .cold(let log, let seqs):
            let messages = try log.messages(in: seqs, cold: broker.store.history)
            return broker.store.read { state in messages.map { dialect.message($0, state: state) } }
        }
    }

    /// ``history(_:after:before:dialect:)`` for filling a session's gap. A history file that
    /// cannot be read (a damaged disk) must not leave a silent gap: the session is closed
    /// (1001, so the client reconnects and resumes) and the failure logged.
    private func history(_ conversation: ConversationID, after: UInt64, before: UInt64, for session: RealtimeSession) -> [WireFrame] {
        do {
            return try history(conversation, after: after, before: before, dialect: session.dialect)
        } catch {
            logger.error(
                "cold history could not be read; closing the session", metadata: ["parley.conversation": "\(conversation)", "parley.error": "\(error)"])
            session.closeForShutdown()
            return []
        }
    }

    private func routeReceipt(_ conversationID: ConversationID, reader: Participant, seq: UInt64) {
        // The message read through is hot unless the reader caught up on old history: then it
        // is read from its history file first, outside the state's lock (unreadable, left out).
        let cold = broker.store.read { state in state.conversations[conversationID].flatMap { seq <= $0.coldThrough ? $0 : nil } }
        let coldMessage = cold.flatMap { (try? $0.message(seq: seq, cold: broker.store.history)) ?? nil }
        broadcast(conversationID, channel: "messages", excluding: reader) { dialect, state in
            state.conversations[conversationID].map {
                dialect.receipt($0, reader: reader, seq: seq, message: coldMessage ?? $0.message(seq: seq), state: state)
            }
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
        let frames = broker.store.read { state in DialectFrames(DialectFrames.Dialects(of: sessions)) { encode($0, state) } }
        for session in sessions {
            if let frame = frames[session.dialect] { session.send(frame) }
        }
    }

    /// Whether any native agent session is open on this node (one atomic load).
    public var hasNativeAgents: Bool { nativeAgentSessions.load(ordering: .relaxed) > 0 }

    /// Whether any native agent session of `site` is open (the `analysis` event's audience).
    /// Asked for each customer message while native agents are connected, so it looks without
    /// copying the site's sessions out (with 1,000 agents, an array of them per message).
    public func hasNativeAgents(of site: SiteID) -> Bool {
        index.withLock { $0.hasNativeAgent(of: site) }
    }

    /// Sends a native frame (its JSON text) to the native agent sessions that see the
    /// conversation, on the fan-out loop (so it follows the message it is about).
    public func sendToNativeAgents(of conversationID: ConversationID, json: String) {
        fanOutLoop.execute {
            guard let conversation = self.broker.conversation(conversationID) else { return }
            let sessions = self.audience(conversation, channel: "messages").filter { $0.dialect == .native && $0.identity.isAgent }
            guard !sessions.isEmpty else { return }
            let frame = WireFrame(text: Array(json.utf8))
            for session in sessions { session.send(frame) }
        }
    }

    /// Omni's `conversation.updated` and native's `conversation_updated` (support conversations
    /// only: a group chat's changes are neither dialect's frames).
    private func routeConversationUpdate(_ conversationID: ConversationID, at: Timestamp) {
        guard let conversation = broker.conversation(conversationID), conversation.group == nil else { return }
        let sessions = audience(conversation, channel: "conversations")
        guard !sessions.isEmpty else { return }
        var omni: WireFrame?
        var native: WireFrame?
        for session in sessions {
            switch session.dialect {
            case .omni:
                if omni == nil { omni = OmniFrames.conversationUpdated(conversation, at: at) }
                if let omni { session.send(omni) }
            case .native:
                if native == nil { native = broker.store.read { NativeFrames.conversationUpdated(conversation, at: at, state: $0) } }
                if let native { session.send(native) }
            }
        }
    }

    /// Sets who is told when a participant comes online on, or leaves, this node.
    public func onPresence(_ listener: @escaping @Sendable (SessionIdentity, _ joined: Bool) -> Void) {
        presenceListener.withLock { $0 = listener }
    }

    /// `identity` came online on, or left, this node: the listener (a cluster's signals) is told;
    /// the site is told unless another node of the cluster has them online (nothing changed there).
    private func presenceChangedHere(_ identity: SessionIdentity, joined: Bool) {
        presenceListener.withLock { $0 }?(identity, joined)
        if !broker.presence.isOnlineElsewhere(identity.participant) { announcePresence(identity, joined: joined) }
    }

    /// Announces a participant whose presence changed on another node of the cluster.
    func announceRemotePresence(_ identity: SessionIdentity, joined: Bool) {
        fanOutLoop.execute { self.announcePresence(identity, joined: joined) }
    }

    /// Visitors are announced to their site's agents; agents to their site's visitors. The
    /// frame names the conversation it concerns (CONTRACT §7): the visitor's open one, so an
    /// agent's presence is encoded per visitor.
    private func announcePresence(_ identity: SessionIdentity, joined: Bool) {
        // Presence events are native only: the omni protocol has none.
        let sessions = index.withLock { $0.presenceAudience(of: identity) }.filter { $0.dialect == .native }
        guard !sessions.isEmpty else { return }
        // Encoded under the state read (once per distinct conversation), sent after it.
        let addressed: [(RealtimeSession, WireFrame)] = broker.store.read { state in
            var frames: [ConversationID?: WireFrame] = [:]
            func frame(for visitor: VisitorID) -> WireFrame {
                let conversation = state.openConversationByVisitor[visitor]
                if let known = frames[conversation] { return known }
                let encoded = NativeFrames.presence(identity, joined: joined, conversation: conversation, state: state)
                frames[conversation] = encoded
                return encoded
            }
            return sessions.compactMap { session in
                switch (identity, session.identity) {
                case (.visitor(let visitor, _), _), (.agent, .visitor(let visitor, _)): (session, frame(for: visitor))
                case (.agent, .agent): nil
                }
            }
        }
        for (session, frame) in addressed { session.send(frame) }
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
            history(conversation, after: after, before: through + 1, for: session)
        } resumed: { recovered in
            NativeFrames.resumed(recovered && allVisible)
        }
        release(session)
    }

    /// Lets the session's held live messages go (after its first frame, or a timeout).
    public func release(_ session: RealtimeSession) {
        session.release { conversation, after, before in
            history(conversation, after: after, before: before, for: session)
        }
    }

    static func sees(_ identity: SessionIdentity, _ conversation: Conversation) -> Bool {
        switch identity {
        case .agent(let agent, let site): conversation.siteID == site && conversation.admits(agent: agent)
        case .visitor(let visitor, _): conversation.visitorID == visitor
        }
    }

    // MARK: Service

    public func run() async throws {
        // Ends quietly at graceful shutdown: a thrown cancellation would count as a failure.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                for (participant, site) in self.broker.presence.expire(now: .now) {
                    self.presenceChangedHere(SessionIdentity(participant, site: site), joined: false)
                }
            }
        }
    }

    /// Every open session, for shutdown.
    public var openSessions: [RealtimeSession] { index.withLock { Array($0.sessions.values) } }

    /// Sets the gauges that are sampled rather than kept (when `/metrics` is scraped).
    public func sampleMetrics() {
        RealtimeMetrics.shared.outboxBytes.record(openSessions.reduce(0) { $0 + $1.queuedBytes })
    }

    /// Closes every session with 1001 and waits (at most `timeout`) until they are gone.
    public func closeAllForShutdown(timeout: Duration) async {
        for session in openSessions { session.closeForShutdown() }
        let deadline = ContinuousClock.now + timeout
        while sessionCount > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
