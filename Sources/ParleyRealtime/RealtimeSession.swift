public import NIOCore
public import ParleyModel
import Synchronization

/// One WebSocket connection as the hub sees it: who it is, which wire protocol it speaks, and
/// its bounded outbox. Everything here is non-blocking: queueing into an empty outbox schedules
/// a flush on the connection's event loop (through its ``SessionOutlet``), which takes
/// everything queued by then in one write. The connection's `closer` is called (once) when the
/// session must close: its outbox overflowed, or the server is shutting down.
public final class RealtimeSession: Sendable {
    public let id: UInt64
    public let identity: SessionIdentity
    public let dialect: WireDialect
    /// A native agent's session: the audience of the `analysis` event.
    var servesNativeAgent: Bool { dialect == .native && identity.isAgent }
    /// The client asked for several events per WebSocket frame, newline-delimited (`batch=1`).
    public let batchesFrames: Bool
    /// The largest frame a batching session is sent (a single larger event still goes whole).
    static let maxBatchBytes = 64 << 10

    struct State: Sendable {
        var outbox: Outbox
        var positions: ConversationPositions
        /// The closer was called (it is called once).
        var closeRequested = false
        /// Answers to the client's frames in their order: acks wait for durability there.
        var responses = ResponseQueue()
        /// Callers of ``answered()``, resumed when `responses` empties.
        var answeredWaiters: [CheckedContinuation<Void, Never>] = []
        var framesWritten = 0
        var writes = 0
        /// Until the client's first frame (or a short timeout), live messages are held, so that
        /// a `resume` sent right after connecting is replayed before them, in order.
        var holding = true
        var held: [(conversation: ConversationID, seq: UInt64, frame: WireFrame)] = []
        /// Omni channels (`conversations`, `messages`); native sessions get everything.
        var channels: Set<String> = []
    }

    private let state: Mutex<State>
    /// Where queued frames are written; nil only for a session without a socket (tests).
    private let outlet: SessionOutlet.Handle?
    /// Why the server closes a session.
    enum CloseReason: Equatable, Sendable {
        /// The outbox passed its limit: 4008.
        case overflow
        /// The server is going away: 1001, after what is queued.
        case shutdown
        /// The identity behind it was erased (issue 16): 4001, after what is queued.
        case revoked
    }

    private let closer: (@Sendable (RealtimeSession, CloseReason) -> Void)?

    init(
        id: UInt64, identity: SessionIdentity, dialect: WireDialect, outboxLimit: Int, replayLimit: UInt64,
        outlet: SessionOutlet.Handle?, batchesFrames: Bool = false,
        closer: (@Sendable (RealtimeSession, CloseReason) -> Void)? = nil
    ) {
        self.id = id
        self.batchesFrames = batchesFrames
        self.identity = identity
        self.dialect = dialect
        self.outlet = outlet
        state = Mutex(State(outbox: Outbox(limit: outboxLimit), positions: ConversationPositions(replayLimit: replayLimit)))
        self.closer = closer
    }

    /// Queues a frame that is not a conversation message (acks, typing, presence, receipts…).
    public func send(_ frame: WireFrame) {
        let result = state.withLock { $0.outbox.enqueue(frame) }
        react(to: result)
    }

    /// Offers live `messages` of `conversation` (ascending `seq`), each in this session's
    /// dialect, under one lock. `history(after, before)` gives the encoded messages the session
    /// missed in between, if any; duplicates are dropped.
    func offer(
        _ conversation: ConversationID, _ messages: [PreparedMessage],
        history: (_ after: UInt64, _ before: UInt64) -> [WireFrame]
    ) {
        var waiters: [CheckedContinuation<Void, Never>] = []
        let result: Outbox.Enqueued = state.withLock { state in
            var result = Outbox.Enqueued.queued(wake: false)
            // By index, not `for message in messages`: that copies each message (its strings,
            // its frames) once per recipient, a retain and release per field.
            for index in messages.indices {
                guard let frame = messages[index].frames[dialect] else { continue }
                let seq = messages[index].seq
                if state.holding {
                    state.held.append((conversation, seq, frame))
                    continue
                }
                // The sender's own copy: its ack goes right in front of it when its turn has come.
                if !state.responses.isEmpty {
                    let ready = state.responses.settleCopy(of: messages[index].message.id) { dialect.ack(messages[index].message) }
                    if !ready.isEmpty { result = result.then(state.outbox.enqueue(contentsOf: ready)) }
                    if state.responses.isEmpty { waiters += state.answeredWaiters.take() }
                }
                result = result.then(Self.offer(&state, conversation, seq: seq, frame: frame, history: history))
                guard case .queued = result else { break }
            }
            return result
        }
        for waiter in waiters { waiter.resume() }
        react(to: result)
    }

    private static func offer(
        _ state: inout State, _ conversation: ConversationID, seq: UInt64, frame: WireFrame,
        history: (_ after: UInt64, _ before: UInt64) -> [WireFrame]
    ) -> Outbox.Enqueued {
        switch state.positions.offer(conversation, seq: seq) {
        case .duplicate: .queued(wake: false)
        case .send: state.outbox.enqueue(frame)
        case .fillFirst(let after): state.outbox.enqueue(contentsOf: history(after, seq) + [frame])
        }
    }

    /// A place for the answer to a client's message, in frame order: the ack, written once the
    /// message is durable (``settle(_:with:)``, or the hub right in front of the session's copy
    /// of it once ``attach(_:to:)`` named it), after the answers to every earlier frame.
    func reserveAnswer() -> ResponseQueue.Ticket {
        state.withLock { $0.responses.reserve() }
    }

    /// The reserved answer acknowledges message `id`.
    func attach(_ id: MessageID, to ticket: ResponseQueue.Ticket) {
        state.withLock { $0.responses.attach(id, to: ticket) }
    }

    /// The reserved answer is known: the ack, or the error that stopped the message.
    func settle(_ ticket: ResponseQueue.Ticket, with frame: WireFrame) {
        answer { $0.settle(ticket, with: frame) }
    }

    /// The answer to a client frame: written after the answers to the frames before it.
    func respond(_ frame: WireFrame) {
        answer { $0.answer(frame) }
    }

    /// Returns once every frame so far is answered (what is queued may still be unwritten).
    func answered() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.responses.isEmpty { return true }
                state.answeredWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Bytes queued in the outbox, not yet written.
    var queuedBytes: Int { state.withLock { $0.outbox.bytes } }

    /// How many answers wait for a message to become durable (or behind one that does).
    var unanswered: Int { state.withLock { $0.responses.count } }

    private func answer(_ step: (inout ResponseQueue) -> [WireFrame]) {
        let (result, waiters): (Outbox.Enqueued, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            let ready = step(&state.responses)
            let result = ready.isEmpty ? Outbox.Enqueued.queued(wake: false) : state.outbox.enqueue(contentsOf: ready)
            return (result, state.responses.isEmpty ? state.answeredWaiters.take() : [])
        }
        for waiter in waiters { waiter.resume() }
        react(to: result)
    }

    /// Stops holding live messages: offers the held ones in order (after a resume's replay).
    func release(history: (_ conversation: ConversationID, _ after: UInt64, _ before: UInt64) -> [WireFrame]) {
        let result: Outbox.Enqueued = state.withLock { state in
            guard state.holding else { return .queued(wake: false) }
            state.holding = false
            let held = state.held
            state.held = []
            return held.reduce(.queued(wake: false)) { result, held in
                result.then(
                    Self.offer(&state, held.conversation, seq: held.seq, frame: held.frame) { after, before in
                        history(held.conversation, after, before)
                    })
            }
        }
        react(to: result)
    }

    /// Carries out a resume: under the session's lock, so no live event interleaves with the
    /// replay. `replay(after, through)` encodes that stretch of history; `resumed(recovered)`
    /// is the closing frame.
    func resume(
        _ positions: [(ConversationID, UInt64, head: UInt64)],
        replay: (_ after: UInt64, _ through: UInt64, ConversationID) -> [WireFrame], resumed: (Bool) -> WireFrame
    ) {
        let result: Outbox.Enqueued = state.withLock { state in
            var recovered = true
            var frames: [WireFrame] = []
            for (conversation, position, head) in positions {
                switch state.positions.resume(conversation, from: position, head: head) {
                case .upToDate: break
                case .reload: recovered = false
                case .replay(let after, let through): frames += replay(after, through, conversation)
                }
            }
            frames.append(resumed(recovered))
            return state.outbox.enqueue(contentsOf: frames)
        }
        react(to: result)
    }

    /// The frames queued since the last flush, in order, as the bytes of one socket write
    /// (joined into as few frames as fit for a batching session), and how many WebSocket frames
    /// that is; nil when nothing is queued. The bytes are `shared`'s when the session before it
    /// in this flush pass queued the very same frames (``SharedWrites``).
    func takeWrite(sharing shared: inout SharedWrites) -> (bytes: ByteBuffer, frames: Int)? {
        let batches = batchesFrames
        return state.withLock { state in
            let taken: (bytes: ByteBuffer, events: Int, frames: Int)? = state.outbox.drain { queued in
                guard !queued.isEmpty else { return nil }
                let write = shared.write(of: queued, batched: batches) {
                    guard batches else { return (WireFrame.coalesced(queued), queued.count) }
                    let joined = WireFrame.joined(queued, maxPayload: Self.maxBatchBytes)
                    return (WireFrame.coalesced(joined), joined.count)
                }
                return (write.bytes, queued.count, write.frames)
            }
            guard let taken else { return nil }
            state.framesWritten += taken.events
            state.writes += 1
            return (taken.bytes, taken.frames)
        }
    }

    /// Writes what is still queued, now, whatever the channel's writability (before a close).
    /// Call on the connection's event loop.
    func flushQueued() { RealtimeMetrics.shared.framesSent(outlet?.handler.value.flush(from: self, force: true) ?? 0, dialect) }

    /// Frames queued for the socket (events: a batching session's are joined into fewer WebSocket
    /// frames when written), and in how many writes (one per flush).
    public var writeStatistics: (frames: Int, writes: Int) { state.withLock { ($0.framesWritten, $0.writes) } }

    /// The server is going away: the session flushes and closes with 1001.
    public func closeForShutdown() {
        close()
        requestClose(.shutdown)
    }

    /// The visitor behind the session was erased: it flushes and closes with 4001.
    public func closeRevoked() {
        close()
        requestClose(.revoked)
    }

    /// Stops queueing (the connection is going away).
    public func close() {
        state.withLock { $0.outbox.close() }
    }

    private func requestClose(_ reason: CloseReason) {
        let first = state.withLock { state in
            defer { state.closeRequested = true }
            return !state.closeRequested
        }
        if first { closer?(self, reason) }
    }

    public func subscribe(_ channels: [String]) {
        state.withLock { $0.channels.formUnion(channels) }
    }

    public func isSubscribed(_ channel: String) -> Bool {
        dialect == .native || state.withLock { $0.channels.contains(channel) }
    }

    private func react(to result: Outbox.Enqueued) {
        switch result {
        case .queued(let wake):
            if wake { outlet?.schedule(self) }
        case .overflow:
            requestClose(.overflow)
        case .closed:
            break
        }
    }
}

extension Array {
    /// The elements, leaving the array empty.
    fileprivate mutating func take() -> [Element] {
        defer { self = [] }
        return self
    }
}
