/// A conversation with its history and its readers' cursors: the unit the log appends to.
public struct ConversationLog: Hashable, Sendable {
    public var conversation: Conversation
    /// The messages in `seq` order; `messages[i].seq == i + 1` always holds.
    public var messages: [Message]
    public var readCursors: [Participant: ReadCursor]
    /// The LSN of the last log record applied to this conversation (makes replay idempotent).
    public var lastLSN: UInt64

    public init(
        conversation: Conversation, messages: [Message] = [], readCursors: [Participant: ReadCursor] = [:],
        lastLSN: UInt64 = 0
    ) {
        self.conversation = conversation
        self.messages = messages
        self.readCursors = readCursors
        self.lastLSN = lastLSN
    }

    /// The `seq` of the newest message (0 when there is none).
    public var lastSeq: UInt64 { UInt64(messages.count) }

    /// The message with this `seq`, if there is one.
    public func message(seq: UInt64) -> Message? {
        guard seq >= 1, seq <= lastSeq else { return nil }
        return messages[Int(seq - 1)]
    }

    /// The message with this id. Ids grow with `seq` inside a conversation, so this is a binary search.
    public func message(id: MessageID) -> Message? {
        var low = 0
        var high = messages.count
        while low < high {
            let middle = (low + high) / 2
            if messages[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < messages.count && messages[low].id == id ? messages[low] : nil
    }

    /// How many messages after the reader's cursor were written by someone else.
    public func unreadCount(for reader: Participant) -> Int {
        let cursor = Int(readCursors[reader]?.seq ?? 0)
        guard cursor < messages.count else { return 0 }
        return messages[cursor...].lazy.filter { $0.sender.participant != reader }.count
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
