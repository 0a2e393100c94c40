/// A conversation with its history and its readers' cursors: the unit the log appends to.
///
/// Its messages are `seq` 1 … ``lastSeq``. The oldest of them, 1 … ``coldThrough``, may be
/// *cold*: moved by compaction into history files on disk and read through ``ColdHistory``
/// (`ConversationLog+Cold.swift`); the rest are *hot*, in ``hotMessages`` (issue 16). The
/// oldest of the cold ones, 1 … ``purgedThrough``, may be gone for good (retention or erasure):
/// readers start after them, and history files drop them when they are written again.
public struct ConversationLog: Hashable, Sendable {
    public var conversation: Conversation
    /// The hot messages in `seq` order; `hotMessages[i].seq == coldThrough + i + 1` always holds.
    /// Chunked (``MessageRun``): a snapshot's copy of the state shares them chunk by chunk.
    public var hotMessages: MessageRun
    /// The newest `seq` held by history files instead of RAM (0: every message is hot).
    public var coldThrough: UInt64
    /// The newest `seq` deleted for good (0: none); never above ``coldThrough``.
    public var purgedThrough: UInt64
    public var readCursors: [Participant: ReadCursor]
    /// The LSN of the last log record applied to this conversation (makes replay idempotent).
    public var lastLSN: UInt64

    public init(
        conversation: Conversation, hotMessages: MessageRun = [], coldThrough: UInt64 = 0, purgedThrough: UInt64 = 0,
        readCursors: [Participant: ReadCursor] = [:], lastLSN: UInt64 = 0
    ) {
        self.conversation = conversation
        self.hotMessages = hotMessages
        self.coldThrough = coldThrough
        self.purgedThrough = purgedThrough
        self.readCursors = readCursors
        self.lastLSN = lastLSN
    }

    /// The `seq` of the newest message (0 when there is none).
    public var lastSeq: UInt64 { coldThrough + UInt64(hotMessages.count) }

    /// How many messages the conversation has, hot and cold (not the purged ones).
    public var messageCount: Int { Int(lastSeq - purgedThrough) }

    /// The oldest `seq` that can still be read (``lastSeq`` + 1 when none can).
    public var firstReadableSeq: UInt64 { purgedThrough + 1 }

    /// The newest message, when it is hot (compaction always leaves a conversation's newest
    /// message in RAM, so this is `nil` only for a conversation without messages).
    public var lastMessage: Message? { hotMessages.last }

    /// The hot message with this `seq`, if there is one (``message(seq:cold:)`` reads cold ones too).
    public func message(seq: UInt64) -> Message? {
        guard seq > coldThrough, seq <= lastSeq else { return nil }
        return hotMessages[Int(seq - coldThrough - 1)]
    }

    /// The hot message with this id. Ids grow with `seq` inside a conversation, so this is a
    /// binary search (``message(id:cold:)`` reads cold ones too).
    public func message(id: MessageID) -> Message? {
        let index = hotMessages.partitionPoint { $0.id >= id }
        return index < hotMessages.count && hotMessages[index].id == id ? hotMessages[index] : nil
    }

    /// Drops the messages through `seq` from RAM (they are in a live history file); returns how many.
    mutating func makeCold(through seq: UInt64) -> UInt64 {
        guard seq > coldThrough else { return 0 }
        let count = seq - coldThrough
        // The moved messages' memory is given back (MessageRun.removeFirst).
        hotMessages.removeFirst(Int(count))
        coldThrough = seq
        return count
    }

    /// Deletes the messages through `seq` for good (clamped to ``lastSeq``; never undone).
    /// Returns how many went, and how many of those were cold (the history catalog's count).
    mutating func purge(through seq: UInt64) -> (removed: UInt64, cold: UInt64) {
        let seq = min(seq, lastSeq)
        guard seq > purgedThrough else { return (0, 0) }
        let cold = min(seq, coldThrough) - purgedThrough
        let removed = seq - purgedThrough
        // Hot ones leave RAM as if moved to a file; nothing reads below the purged prefix.
        if seq > coldThrough { _ = makeCold(through: seq) }
        purgedThrough = seq
        return (removed, cold)
    }
}

extension RandomAccessCollection {
    /// The first index whose element satisfies `predicate`, which must be false for a prefix
    /// and true for the rest (binary search).
    func partitionPoint(where predicate: (Element) throws -> Bool) rethrows -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if try predicate(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}

/// How far one participant has read in one conversation.
public struct ReadCursor: Hashable, Sendable {
    public var seq: UInt64
    public var updatedAt: Timestamp

    public init(seq: UInt64, updatedAt: Timestamp) {
        self.seq = seq
        self.updatedAt = updatedAt
    }
}
