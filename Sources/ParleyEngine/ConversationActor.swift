import Logging
public import ParleyModel
public import ParleyStorage
import Synchronization

/// The single writer of one conversation: dedupes by client message id, gives each message the
/// next `seq` with no gaps, appends it to the log and returns once it is durable; also moves
/// read cursors, assigns, closes, and owns the typing state.
///
/// Appending is synchronous and takes the conversation's lock, so messages enter the log in
/// `seq` order even while earlier ones still wait for their fsync, and a WebSocket session can
/// append from its event loop without a hop to the actor (issue 18). What the append decides
/// from (the last `seq`, closed or not, recent client ids, typists) lives under that lock; the
/// actor serialises the rest (cursors, assignment, closing). Typing is synchronous too.
public actor ConversationActor {
    public nonisolated let id: ConversationID
    private nonisolated let store: EventStore
    private nonisolated let ids: IDAllocator
    private let limits: EngineLimits
    private nonisolated let announce: @Sendable ([BrokerEvent]) -> Void
    /// What an append reads and changes, under one lock.
    private struct Writing {
        var lastSeq: UInt64
        var isClosed: Bool
        var recent: RecentClientIDs
        var typing: TypingState
        /// A sweep of expired typists is scheduled (one at a time).
        var sweeping = false
    }
    private nonisolated let writing: Mutex<Writing>

    init(
        log: borrowing ConversationLog, store: EventStore, ids: IDAllocator, limits: EngineLimits,
        announce: @escaping @Sendable ([BrokerEvent]) -> Void
    ) {
        id = log.conversation.id
        self.store = store
        self.ids = ids
        self.limits = limits
        self.announce = announce
        var recent = RecentClientIDs(capacity: limits.dedupeWindow)
        // The newest messages with a client id, oldest first, fill the window: the hot ones,
        // then, if the window has room, the newest `dedupeWindow` cold ones (a few history blocks).
        var newest: [Message] = []
        for message in log.hotMessages.reversed() where message.clientMessageID != nil {
            newest.append(message)
            if newest.count == limits.dedupeWindow { break }
        }
        if newest.count < limits.dedupeWindow, log.coldThrough > 0 {
            let from = log.coldThrough - min(log.coldThrough, UInt64(limits.dedupeWindow)) + 1
            // Unreadable cold history (a damaged disk) only narrows the window; reads report it.
            let cold = (try? log.messages(in: from...log.coldThrough, cold: store.history)) ?? []
            for message in cold.reversed() where message.clientMessageID != nil && newest.count < limits.dedupeWindow {
                newest.append(message)
            }
        }
        for message in newest.reversed() { recent.insert(message.clientMessageID!, .init(seq: message.seq, lsn: log.lastLSN)) }
        writing = Mutex(
            Writing(
                lastSeq: log.lastSeq, isClosed: log.conversation.closedAt != nil, recent: recent,
                typing: TypingState(timeout: limits.typingTimeout)))
    }

    /// Sends a message; returns when it is durable (and visible to readers). `prepared` sees
    /// the message before it enters the log (so before any subscriber can), unless the draft
    /// repeats an earlier client message id.
    public func send(_ draft: MessageDraft, prepared: (@Sendable (Message) -> Void)? = nil) async throws -> SendReceipt {
        let appended = try append(draft, prepared: prepared)
        let position: CommitPosition
        do {
            position = try await store.waitUntilCommitted(appended.lsn)
        } catch {
            throw EngineError.cluster(error) ?? error
        }
        return try appended.receipt(for: draft, in: id, store: store, at: position)
    }

    /// Gives the message its `seq` and appends it to the log, without waiting for it to be
    /// durable: the caller waits for `lsn` (then ``AppendedMessage/receipt(for:in:store:at:)``).
    /// Messages appended one after another enter the log in that order.
    ///
    /// On a cluster node the `append` script gives `seq` and id, tells a repeated client message
    /// id and refuses a closed conversation (any node may have written to it): the actor only
    /// keeps this node's messages of the conversation in arrival order, and `prepared` is not
    /// called (the message has no id yet).
    public nonisolated func append(_ draft: MessageDraft, prepared: (@Sendable (Message) -> Void)? = nil) throws -> AppendedMessage {
        let clustered = store.isClustered
        let (appended, stoppedTyping): (AppendedMessage, Bool) = try writing.withLock { writing in
            if !clustered {
                if let clientID = draft.clientMessageID, let earlier = writing.recent[clientID] {
                    return (.repeated(seq: earlier.seq, lsn: earlier.lsn), false)
                }
                guard !writing.isClosed else { throw EngineError.conflict("conversation is closed") }
            }
            // On a cluster node the id is 0 (IDAllocator) and so is `seq`: the script fills both.
            let message = Message(
                id: ids.nextMessage(), conversationID: id, seq: clustered ? 0 : writing.lastSeq + 1, sender: draft.sender,
                content: draft.content, contentType: draft.contentType, fileID: draft.fileID,
                clientMessageID: draft.clientMessageID, createdAt: .now(), metadataJSON: draft.metadataJSON)
            if !clustered { prepared?(message) }
            let ticket = try store.append(.messageAppended(message))
            if !clustered {
                writing.lastSeq = message.seq
                if let clientID = draft.clientMessageID { writing.recent.insert(clientID, .init(seq: message.seq, lsn: ticket)) }
            }
            let stopped = draft.sender.participant.map { writing.typing.stop($0) } ?? false
            return (clustered ? .sent(ticket: ticket) : .new(message, lsn: ticket), stopped)
        }
        if stoppedTyping, let typist = draft.sender.participant { announce([.typing(id, typist, isTyping: false)]) }
        return appended
    }

    /// Moves `reader`'s cursor forward to `seq` (clamped to the newest message). Returns the
    /// cursor's `seq` afterwards; a cursor never moves back.
    public func markRead(_ reader: Participant, through seq: UInt64) async throws -> UInt64 {
        // On a cluster node other nodes add messages too: the state knows the newest applied.
        let newest = store.isClustered ? store.read { $0.conversations[id]?.lastSeq ?? 0 } : writing.withLock { $0.lastSeq }
        let target = min(seq, newest)
        let current = store.read { $0.conversations[id]?.readCursors[reader]?.seq ?? 0 }
        guard target > current else { return current }
        try await store.commit(.readCursorMoved(id, reader, seq: target, at: .now()))
        return target
    }

    /// Assigns the conversation to `agent` (`nil` unassigns).
    public func assign(to agent: AgentID?) async throws {
        guard !closed else { throw EngineError.conflict("conversation is closed") }
        try await store.commit(.conversationAssigned(id, agent, at: .now()))
    }

    /// Closes the conversation (at `time`, now by default); closing a closed one changes nothing.
    public func close(at time: Timestamp? = nil) async throws {
        guard !closed else { return }
        writing.withLock { $0.isClosed = true }
        do {
            try await store.commit(.conversationClosed(id, at: time ?? .now()))
        } catch let error as ClusterWriteError {
            // Another node closed it first: closing a closed conversation changes nothing.
            guard case .refused = error, store.read({ $0.conversations[id]?.conversation.closedAt != nil }) else { throw error }
        }
    }

    /// Whether the conversation is closed: on a cluster node another node may have closed it,
    /// so the state is asked.
    private var closed: Bool {
        writing.withLock { $0.isClosed } || (store.isClustered && store.read { $0.conversations[id]?.conversation.closedAt != nil })
    }

    /// A typing start or stop from `participant`; announces only real changes. Synchronous
    /// (the conversation's lock), so a session calls it from its event loop.
    public nonisolated func setTyping(_ participant: Participant, _ isTyping: Bool) {
        let (changed, startSweep) = writing.withLock { writing in
            let changed = isTyping ? writing.typing.start(participant, now: .now) : writing.typing.stop(participant)
            let startSweep = isTyping && !writing.sweeping
            if startSweep { writing.sweeping = true }
            return (changed, startSweep)
        }
        if changed { announce([.typing(id, participant, isTyping: isTyping)]) }
        if startSweep { scheduleSweep() }
    }

    /// Who is typing now.
    public nonisolated var typists: Set<Participant> { writing.withLock { $0.typing.current } }

    /// Expires typists at the earliest deadline, again and again while anyone types.
    private nonisolated func scheduleSweep() {
        let deadline = writing.withLock { writing in
            let deadline = writing.typing.nextDeadline
            if deadline == nil { writing.sweeping = false }
            return deadline
        }
        guard let deadline else { return }
        Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            self?.sweepTyping()
        }
    }

    private nonisolated func sweepTyping() {
        let expired = writing.withLock { $0.typing.expire(now: .now) }
        if !expired.isEmpty { announce(expired.map { .typing(id, $0, isTyping: false) }) }
        scheduleSweep()
    }
}
