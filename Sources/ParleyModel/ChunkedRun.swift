/// A conversation's hot messages (``ConversationLog/hotMessages``, a ``MessageRun``).
public typealias MessageRun = ChunkedRun<Message>

/// A list that grows at its end and shrinks at its front, kept in chunks of 64 so that a copy
/// of the state shares it chunk by chunk: a conversation's hot messages (``MessageRun``), a
/// site's conversation ids (``ParleyState/conversationsBySite``).
///
/// A snapshot copies the state under its lock in O(1) and encodes the copy on its own thread;
/// the live state, no longer the only owner of its storage, copies what it changes next. With
/// one array per conversation that was every hot message of each conversation the next commit
/// batches touched: 11–29 ms holding the state's lock after each snapshot in `durable` (256
/// conversations of about 1,600 hot messages each; docs/PERFORMANCE.md). In chunks, an append
/// copies the list of chunks and the last chunk only: at most 64 elements, and one reference
/// per 64 elements.
///
/// Every chunk holds 64 elements but the first (fewer when ``removeFirst(_:)`` dropped part of
/// it) and the last (fewer until it fills); no chunk is empty.
public struct ChunkedRun<Element>: RandomAccessCollection, ExpressibleByArrayLiteral {
    public typealias Index = Int
    public typealias Indices = Range<Int>

    private static var chunkShift: Int { 6 }
    static var chunkSize: Int { 1 << chunkShift }

    private var chunks: [[Element]] = []
    public private(set) var count = 0

    public init() {}

    public init(_ elements: some Sequence<Element>) {
        for element in elements { append(element) }
    }

    public init(arrayLiteral elements: Element...) { self.init(elements) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public var indices: Range<Int> { 0..<count }

    public subscript(position: Int) -> Element {
        precondition(position >= 0 && position < count, "ChunkedRun: index \(position) out of 0..<\(count)")
        let first = chunks[0].count
        if position < first { return chunks[0][position] }
        let rest = position - first
        return chunks[1 + (rest >> Self.chunkShift)][rest & (Self.chunkSize - 1)]
    }

    public mutating func append(_ element: Element) {
        if let last = chunks.indices.last, chunks[last].count < Self.chunkSize {
            chunks[last].append(element)
        } else {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunk.append(element)
            chunks.append(chunk)
        }
        count += 1
    }

    /// Room for `count` elements in all (the list of chunks; each chunk is made full-sized).
    public mutating func reserveCapacity(_ count: Int) {
        chunks.reserveCapacity(count / Self.chunkSize + 2)
    }

    /// Drops the oldest `k` elements. What remains of a chunk cut in two is copied into a
    /// chunk of its own, so the dropped elements' memory is given back.
    public mutating func removeFirst(_ k: Int) {
        precondition(k >= 0 && k <= count, "ChunkedRun: cannot drop \(k) of \(count)")
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
}

extension ChunkedRun: Sendable where Element: Sendable {}

extension ChunkedRun: Equatable where Element: Equatable {
    public static func == (lhs: ChunkedRun, rhs: ChunkedRun) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }
}

extension ChunkedRun: Hashable where Element: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { hasher.combine(element) }
    }
}
