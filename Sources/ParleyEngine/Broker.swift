public import Logging
public import ParleyModel
public import ParleyStorage
import Synchronization

/// The engine's façade: what the REST and WebSocket layers call.
///
/// Writes go to the ``Directory`` (sites, agents, visitors) or to the conversation's
/// ``ConversationActor``; reads come from the store's live state. Subscribers (the routing hub)
/// receive every committed event in LSN order, and typing changes.
///
/// ```swift
/// let broker = Broker(store: store)
/// let receipt = try await broker.send(MessageDraft(sender: .visitor(v), content: "Hi"), to: conversation)
/// ```
public final class Broker: Sendable {
    public let store: EventStore
    public let directory: Directory
    public let accounts: AccountService
    public let twoFactor: TwoFactorService
    public let limits: EngineLimits
    /// How far each conversation has reached each side (drives message `delivered` status).
    public let deliveries = DeliveryLedger()
    /// Who is online (WebSocket presence, reported by the routing hub).
    public let presence = PresenceBoard()
    let ids: IDAllocator
    private let actors: Mutex<ActorLeases<ConversationActor>>
    /// Held while a conversation id is handed out and its opening appended (see ``open(_:)``).
    private let openings = Mutex(())
    private let subscribers = Mutex<[any BrokerSubscriber]>([])
    private let logger: Logger

    public init(
        store: EventStore, limits: EngineLimits = EngineLimits(), passwords: PasswordHasher = PasswordHasher(),
        logger: Logger = Logger(label: "parley.engine")
    ) {
        self.store = store
        self.limits = limits
        self.logger = logger
        actors = Mutex(ActorLeases(idleTimeout: limits.actorIdleTimeout))
        ids = IDAllocator(after: store.read { $0.watermarks }, cluster: store.cluster)
        directory = Directory(store: store, ids: ids, limits: limits, passwords: passwords)
        accounts = AccountService(store: store, ids: ids)
        twoFactor = TwoFactorService(store: store)
        store.addObserver(CommitForwarder(broker: self))
    }

    /// Adds a subscriber to every later event.
    public func subscribe(_ subscriber: any BrokerSubscriber) {
        subscribers.withLock { $0.append(subscriber) }
    }

    func publish(_ events: [BrokerEvent]) {
        for subscriber in subscribers.withLock({ $0 }) { subscriber.receive(events) }
    }

    /// Runs `body` on the conversation's actor, made from the state on first use and held
    /// (never dropped as idle) until `body` returns.
    func withActor<T: Sendable>(
        _ id: ConversationID, _ body: (ConversationActor) async throws -> T
    ) async throws -> T {
        let actor = try leaseActor(id)
        defer { releaseActor(id) }
        return try await body(actor)
    }

    /// Leases `id`'s actor for a call; ``releaseActor(_:)`` must follow once the call's work
    /// is durable and applied.
    private func leaseActor(_ id: ConversationID) throws -> ConversationActor {
        // Made under the table's lock: an actor is never made from a state older than the
        // last one's finished work (ActorLeases).
        let actor = actors.withLock { table in
            table.lease(id, now: .now) {
                // Copied out of the state's lock (O(1)): the actor may read cold history.
                store.read { $0.conversations[id] }.map { log in
                    ConversationActor(log: log, store: store, ids: ids, limits: limits) { [weak self] in self?.publish($0) }
                }
            }
        }
        guard let actor else { throw EngineError.notFound("conversation not found") }
        return actor
    }

    private func releaseActor(_ id: ConversationID) {
        actors.withLock { $0.release(id, now: .now) }
    }

    /// How many conversation actors are alive (the rest are made again when needed).
    public var liveActors: Int { actors.withLock { $0.count } }

    /// Drops actors idle past ``EngineLimits/actorIdleTimeout`` now (also done as new ones are made).
    @discardableResult
    public func evictIdleActors() -> Int { actors.withLock { $0.evictIdle(now: .now) } }

    // MARK: Conversations

    /// Opens a conversation for a visitor of `site`, with optional `metadata` (a JSON object).
    public func openConversation(
        site: SiteID, visitor: VisitorID, subject: String? = nil, metadataJSON: String? = nil
    ) async throws -> Conversation {
        if let subject { try Validate.text(subject, field: "subject", max: limits.maxNameBytes, allowEmpty: true) }
        try Validate.metadata(metadataJSON, max: limits.maxMetadataBytes)
        guard store.read({ $0.visitors[visitor]?.siteID == site }) else { throw EngineError.notFound("visitor not found") }
        return try await open { id in
            Conversation(id: id, siteID: site, visitorID: visitor, subject: subject, createdAt: .now(), metadataJSON: metadataJSON)
        }
    }

    /// Hands out the next conversation id and appends the opening under one lock, so
    /// conversations enter the log, and the state, in id order: a list paged by id never
    /// passes over one that is still being written. Returns once the opening is durable.
    /// On a cluster node the `append` script numbers the opening (in the same order, for the
    /// same reason) and the conversation is read back from the state under that id.
    func open(_ make: (ConversationID) -> Conversation) async throws -> Conversation {
        let (conversation, ticket) = try openings.withLock { _ in
            let conversation = make(ids.nextConversation())
            return (conversation, try store.append(.conversationOpened(conversation)))
        }
        let position = try await store.waitUntilCommitted(ticket)
        guard store.isClustered else { return conversation }
        guard let opened = store.read({ $0.conversations[ConversationID(position.id)]?.conversation }) else {
            throw EngineError.notFound("conversation not found")
        }
        return opened
    }

    /// Sends a message after checking its size; returns once it is durable. `prepared` sees the
    /// message (its id and `seq`) before it enters the log.
    public func send(
        _ draft: MessageDraft, to conversation: ConversationID, prepared: (@Sendable (Message) -> Void)? = nil
    ) async throws -> SendReceipt {
        try validate(draft)
        return try await withActor(conversation) { try await $0.send(draft, prepared: prepared) }
    }

    /// Sends a message without waiting for it (a pipelining session, issue 18): returns once it
    /// is in the log, in the order of these calls; `whenSent` is called once, when it is durable
    /// (with its receipt) or could not be (with the error). Throws, and never calls `whenSent`,
    /// when the message is refused before it is logged. Synchronous (the conversation's lock, not
    /// its actor), so a session calls it from its event loop. `whenSent` usually runs on the
    /// log's flusher thread: it must be quick and never block.
    public func append(
        _ draft: MessageDraft, to conversation: ConversationID, prepared: (@Sendable (Message) -> Void)? = nil,
        whenSent: @escaping @Sendable (Result<SendReceipt, any Error>) -> Void
    ) throws {
        try validate(draft)
        let actor = try leaseActor(conversation)
        let appended: AppendedMessage
        do {
            appended = try actor.append(draft, prepared: prepared)
        } catch {
            releaseActor(conversation)
            throw error
        }
        // The lease is held until the message is applied: an actor made again meanwhile would
        // start from a state without it.
        let store = self.store
        store.whenCommitted(appended.lsn) { [weak self] committed in
            self?.releaseActor(conversation)
            let position: CommitPosition
            switch committed {
            case .success(let landed): position = landed
            case .failure(let error): return whenSent(.failure(EngineError.cluster(error) ?? error))
            }
            guard appended.receiptMayRead(at: position) else {
                return whenSent(Result { try appended.receipt(for: draft, in: conversation, store: store, at: position) })
            }
            Task { whenSent(Result { try appended.receipt(for: draft, in: conversation, store: store, at: position) }) }
        }
    }

    private func validate(_ draft: MessageDraft) throws {
        guard draft.content.utf8.count <= limits.maxMessageBytes else {
            throw EngineError(.payloadTooLarge, "message text is longer than \(limits.maxMessageBytes) bytes")
        }
        if draft.contentType == .text && draft.content.allSatisfy(\.isWhitespace) {
            throw EngineError.validation("content is required")
        }
        if let clientID = draft.clientMessageID {
            try Validate.text(clientID, field: "client_message_id", max: limits.maxClientMessageIDBytes)
        }
        try Validate.metadata(draft.metadataJSON, max: limits.maxMetadataBytes)
    }

    public func markRead(_ conversation: ConversationID, reader: Participant, through seq: UInt64) async throws -> UInt64 {
        try await withActor(conversation) { try await $0.markRead(reader, through: seq) }
    }

    public func assign(_ conversation: ConversationID, to agent: AgentID?) async throws {
        if let agent {
            let sameSite = store.read { state in
                state.agents[agent]?.siteID == state.conversations[conversation]?.conversation.siteID
            }
            guard sameSite else { throw EngineError.notFound("agent not found") }
        }
        try await withActor(conversation) { try await $0.assign(to: agent) }
    }

    /// Closes a conversation, at `time` when given (the operators dialect's `end_time`).
    public func close(_ conversation: ConversationID, at time: Timestamp? = nil) async throws {
        try await withActor(conversation) { try await $0.close(at: time) }
    }

    /// A typing start or stop; synchronous, so a session calls it from its event loop.
    public func setTyping(_ conversation: ConversationID, _ participant: Participant, _ isTyping: Bool) throws {
        let actor = try leaseActor(conversation)
        defer { releaseActor(conversation) }
        actor.setTyping(participant, isTyping)
    }

    // MARK: Reads

    /// A conversation's header.
    public func conversation(_ id: ConversationID) -> Conversation? {
        store.read { $0.conversations[id]?.conversation }
    }

    /// The conversations of a site, newest first.
    public func conversations(site: SiteID) -> [Conversation] {
        store.read { state in
            (state.conversationsBySite[site] ?? []).reversed().compactMap { state.conversations[$0]?.conversation }
        }
    }

    /// A page of messages, always in ascending `seq` order (CONTRACT §7).
    public func messages(_ conversation: ConversationID, page: MessagePage) throws -> MessagePage.Result {
        // The conversation is copied out (O(1)): cold reads happen outside the state's lock.
        guard let log = store.read({ $0.conversations[conversation] }) else { throw EngineError.notFound("conversation not found") }
        return try page.select(from: log, cold: store.history)
    }

    public func unreadCount(_ conversation: ConversationID, for reader: Participant) -> Int? {
        store.read { $0.conversations[conversation] }?.unreadCount(for: reader, cold: store.history)
    }

    /// An agent's notifications, newest first.
    public func notifications(for agent: AgentID, unreadOnly: Bool, limit: Int) -> (items: [AgentNotification], unread: Int) {
        store.read { state in
            let all = state.notifications[agent] ?? []
            let items = all.reversed().filter { !unreadOnly || !$0.read }.prefix(max(0, limit))
            return (Array(items), all.filter { !$0.read }.count)
        }
    }

    /// Marks the given notifications (all, when empty) read; returns how many changed.
    public func markNotificationsRead(for agent: AgentID, ids: [UInt64]) async throws -> Int {
        let before = notifications(for: agent, unreadOnly: true, limit: 0).unread
        guard before > 0 else { return 0 }
        try await store.commit(.notificationsRead(agent, ids: ids, at: .now()))
        return before - notifications(for: agent, unreadOnly: true, limit: 0).unread
    }

    public func site(_ id: SiteID) -> Site? { store.read { $0.sites[id] } }
    public func agent(_ id: AgentID) -> Agent? { store.read { $0.agents[id] } }
    public func visitor(_ id: VisitorID) -> Visitor? { store.read { $0.visitors[id] } }
}

/// Forwards committed events from the store to the broker's subscribers.
private struct CommitForwarder: CommitObserver {
    weak var broker: Broker?

    func didCommit(_ events: [CommittedEvent]) {
        broker?.publish(events.map { .committed(lsn: $0.lsn, $0.event) })
    }
}
