/// One session's queue of wire frames, bounded in bytes: a plain state machine. The hub
/// enqueues without waiting; the session's outlet drains everything queued in one event-loop
/// turn. A session whose outbox would pass its limit is closed (4008) instead of being waited on.
public struct Outbox: Sendable {
    /// What an enqueue did.
    public enum Enqueued: Equatable, Sendable {
        /// Queued; `wake` is true when the queue was empty (a flush must be scheduled).
        case queued(wake: Bool)
        /// The limit was passed: the frame was dropped and the session must be closed.
        case overflow
        /// The session is closing; the frame was dropped.
        case closed

        /// Two enqueues in a row: the first failure stands, else wake if either woke the writer.
        public func then(_ next: Enqueued) -> Enqueued {
            guard case .queued(let woke) = self else { return self }
            guard case .queued(let nextWoke) = next else { return next }
            return .queued(wake: woke || nextWoke)
        }
    }

    public let limit: Int
    public private(set) var bytes = 0
    private var frames: [WireFrame] = []
    public private(set) var isClosed = false
    /// Whether the outbox was closed because it passed its limit (the session closes with 4008).
    public private(set) var overflowed = false

    public init(limit: Int) { self.limit = limit }

    public mutating func enqueue(_ frame: WireFrame) -> Enqueued {
        guard !isClosed else { return .closed }
        guard bytes + frame.count <= limit else {
            isClosed = true
            overflowed = true
            frames.removeAll()
            bytes = 0
            return .overflow
        }
        let wasEmpty = frames.isEmpty
        frames.append(frame)
        bytes += frame.count
        return .queued(wake: wasEmpty)
    }

    /// Queues `frames` in order, stopping at the first that cannot be queued.
    public mutating func enqueue(contentsOf frames: some Sequence<WireFrame>) -> Enqueued {
        var result = Enqueued.queued(wake: false)
        for frame in frames {
            result = result.then(enqueue(frame))
            guard case .queued = result else { break }
        }
        return result
    }

    /// Everything queued, in order; the outbox is empty afterwards.
    public mutating func drain() -> [WireFrame] {
        drain { $0 }
    }

    /// Hands everything queued, in order, to `body` (to be read, not kept), and empties the
    /// outbox. The outbox keeps its storage for the next batch: no allocation per drain, where
    /// returning the array would leave the outbox a shared buffer to replace on every flush.
    public mutating func drain<Result>(_ body: ([WireFrame]) -> Result) -> Result {
        defer {
            frames.removeAll(keepingCapacity: true)
            bytes = 0
        }
        return body(frames)
    }

    /// Stops taking frames (the session is going away).
    public mutating func close() {
        isClosed = true
    }

    public var isEmpty: Bool { frames.isEmpty }
}
