public import NIOCore
public import ParleyModel
import Synchronization

/// One WebSocket connection as the hub sees it: who it is, which wire protocol it speaks, and
/// its bounded outbox. Everything here is non-blocking; the connection's writer task waits on
/// ``wakeups`` and drains the outbox in one turn.
public final class RealtimeSession: Sendable {
    public let id: UInt64
    public let identity: SessionIdentity
    public let dialect: WireDialect

    struct State: Sendable {
        var outbox: Outbox
        var positions: ConversationPositions
        var shuttingDown = false
        var framesWritten = 0
        var writes = 0
        /// Until the client's first frame (or a short timeout), live messages are held, so that
        /// a `resume` sent right after connecting is replayed before them, in order.
        var holding = true
        var held: [(conversation: ConversationID, seq: UInt64, frame: ByteBuffer)] = []
        /// Omni channels (`conversations`, `messages`); native sessions get everything.
        var channels: Set<String> = []
    }

    private let state: Mutex<State>
    private let wakeup: AsyncStream<Void>.Continuation
    /// Yields when frames were queued to an idle outbox, or the session must close.
    public let wakeups: AsyncStream<Void>

    public init(id: UInt64, identity: SessionIdentity, dialect: WireDialect, outboxLimit: Int, replayLimit: UInt64) {
        self.id = id
        self.identity = identity
        self.dialect = dialect
        state = Mutex(State(outbox: Outbox(limit: outboxLimit), positions: ConversationPositions(replayLimit: replayLimit)))
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a frame that is not a conversation message (acks, typing, presence, receipts…).
    public func send(_ frame: ByteBuffer) {
        let result = state.withLock { $0.outbox.enqueue(frame) }
        react(to: result)
    }

    /// Offers the live `message` event `seq` of `conversation`. `history(after, before)` gives the
    /// encoded messages the session missed in between, if any; duplicates are dropped.
    func offer(
        _ conversation: ConversationID, seq: UInt64, frame: ByteBuffer,
        history: (_ after: UInt64, _ before: UInt64) -> [ByteBuffer]
    ) {
        let result: Outbox.Enqueued = state.withLock { state in
            if state.holding {
                state.held.append((conversation, seq, frame))
                return .queued(wake: false)
            }
            return Self.offer(&state, conversation, seq: seq, frame: frame, history: history)
        }
        react(to: result)
    }

    private static func offer(
        _ state: inout State, _ conversation: ConversationID, seq: UInt64, frame: ByteBuffer,
        history: (_ after: UInt64, _ before: UInt64) -> [ByteBuffer]
    ) -> Outbox.Enqueued {
        switch state.positions.offer(conversation, seq: seq) {
        case .duplicate: .queued(wake: false)
        case .send: state.outbox.enqueue(frame)
        case .fillFirst(let after): state.outbox.enqueue(contentsOf: history(after, seq) + [frame])
        }
    }

    /// Stops holding live messages: offers the held ones in order (after a resume's replay).
    func release(history: (_ conversation: ConversationID, _ after: UInt64, _ before: UInt64) -> [ByteBuffer]) {
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
    /// replay. `replay(after, through)` encodes that stretch of history. Returns whether every
    /// conversation was recovered.
    func resume(
        _ positions: [(ConversationID, UInt64, head: UInt64)],
        replay: (_ after: UInt64, _ through: UInt64, ConversationID) -> [ByteBuffer], resumed: (Bool) -> ByteBuffer
    ) {
        let result: Outbox.Enqueued = state.withLock { state in
            var recovered = true
            var frames: [ByteBuffer] = []
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

    /// The frames queued since the last drain, in order.
    public func drain() -> (frames: [ByteBuffer], overflowed: Bool) {
        state.withLock { state in (state.outbox.drain(), state.outbox.overflowed) }
    }

    /// The writer wrote `frames` frames in one socket write.
    func countWrite(frames: Int) {
        state.withLock { state in
            state.framesWritten += frames
            state.writes += 1
        }
    }

    /// Frames written to the socket, and in how many writes (one per writer turn).
    public var writeStatistics: (frames: Int, writes: Int) { state.withLock { ($0.framesWritten, $0.writes) } }

    /// The server is going away: the writer flushes and closes with 1001.
    public func closeForShutdown() {
        state.withLock { $0.shuttingDown = true }
        close()
    }

    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// Stops queueing and wakes the writer so that it can finish.
    public func close() {
        state.withLock { $0.outbox.close() }
        wakeup.finish()
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
            if wake { wakeup.yield() }
        case .overflow:
            wakeup.yield()
        case .closed:
            break
        }
    }
}
