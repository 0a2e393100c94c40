/// A conversation's hot messages (``ConversationLog/hotMessages``), kept in chunks of 64 so
/// that a copy of the state shares them chunk by chunk.
///
/// A snapshot copies the state under its lock in O(1) and encodes the copy on its own thread;
/// the live state, no longer the only owner of its storage, copies what it changes next. With
/// one array per conversation that was every hot message of each conversation the next commit
/// batches touched: 11–29 ms holding the state's lock after each snapshot in `durable` (256
/// conversations of about 1,600 hot messages each; docs/PERFORMANCE.md). In chunks, an append
/// copies the list of chunks and the last chunk only: at most 64 messages.
///
/// Every chunk holds 64 messages but the first (fewer when ``removeFirst(_:)`` dropped part of
/// it) and the last (fewer until it fills); no chunk is empty.
public struct MessageRun: RandomAccessCollection, Hashable, Sendable, ExpressibleByArrayLiteral {
    public typealias Element = Message
    public typealias Index = Int
    public typealias Indices = Range<Int>

    private static let chunkShift = 6
    static let chunkSize = 1 << chunkShift

    private var chunks: [[Message]] = []
    public private(set) var count = 0

    public init() {}

    public init(_ messages: some Sequence<Message>) {
        for message in messages { append(message) }
    }

    public init(arrayLiteral messages: Message...) { self.init(messages) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public var indices: Range<Int> { 0..<count }

    public subscript(position: Int) -> Message {
        precondition(position >= 0 && position < count, "MessageRun: index \(position) out of 0..<\(count)")
        let first = chunks[0].count
        if position < first { return chunks[0][position] }
        let rest = position - first
        return chunks[1 + (rest >> Self.chunkShift)][rest & (Self.chunkSize - 1)]
    }

    public mutating func append(_ message: Message) {
        if let last = chunks.indices.last, chunks[last].count < Self.chunkSize {
            chunks[last].append(message)
        } else {
            var chunk: [Message] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunk.append(message)
            chunks.append(chunk)
        }
        count += 1
    }

    /// Room for `count` messages in all (the list of chunks; each chunk is made full-sized).
    public mutating func reserveCapacity(_ count: Int) {
        chunks.reserveCapacity(count / Self.chunkSize + 2)
    }

    /// Drops the oldest `k` messages. What remains of a chunk cut in two is copied into a
    /// chunk of its own, so the dropped messages' memory is given back.
    public mutating func removeFirst(_ k: Int) {
        precondition(k >= 0 && k <= count, "MessageRun: cannot drop \(k) of \(count)")
        count -= k
        var rest = k
        var whole = 0
        while whole < chunks.count, chunks[whole].count <= rest {
            rest -= chunks[whole].count
            whole += 1
        }
        chunks.removeFirst(whole)
        if rest > 0 { chunks[0] = Array(chunks[0][rest...]) }
    }

    public static func == (lhs: MessageRun, rhs: MessageRun) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for message in self { hasher.combine(message) }
    }
}
