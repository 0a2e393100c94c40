public import ParleyModel

/// Which messages a history request wants (CONTRACT §7, native `GET /v1/messages`).
public enum MessagePage: Sendable, Hashable {
    /// The newest `limit` messages.
    case newest(limit: Int)
    /// The `limit` messages just before the message with this id.
    case before(MessageID, limit: Int)
    /// The `limit` messages just after the message with this id.
    case after(MessageID, limit: Int)
    /// The `limit` messages just after this `seq` (resume).
    case afterSeq(UInt64, limit: Int)
    /// The newest `limit` messages written before this time (omni `before`).
    case beforeTime(Timestamp, limit: Int)

    public struct Result: Sendable, Hashable {
        /// In ascending `seq` order.
        public var messages: [Message]
        /// Whether more messages exist beyond the page in the direction of travel.
        public var hasMore: Bool
    }

    func select(from log: ConversationLog) throws -> Result {
        let count = log.messages.count
        let range: Range<Int>
        func clamp(_ limit: Int) -> Int { Swift.min(Swift.max(limit, 0), 1000) }
        let hasMore: Bool
        switch self {
        case .newest(let limit):
            range = max(0, count - clamp(limit))..<count
            hasMore = range.lowerBound > 0
        case .before(let id, let limit):
            guard let anchor = log.message(id: id) else { throw EngineError.notFound("message not found") }
            let end = Int(anchor.seq) - 1
            range = max(0, end - clamp(limit))..<end
            hasMore = range.lowerBound > 0
        case .after(let id, let limit):
            guard let anchor = log.message(id: id) else { throw EngineError.notFound("message not found") }
            let start = Int(anchor.seq)
            range = start..<min(count, start + clamp(limit))
            hasMore = range.upperBound < count
        case .beforeTime(let time, let limit):
            // Messages are dated as they are appended, so times rise with `seq`: the page ends
            // at the first message (from the newest back) written before `time`.
            let end = (log.messages.lastIndex { $0.createdAt < time } ?? -1) + 1
            range = max(0, end - clamp(limit))..<end
            hasMore = range.lowerBound > 0
        case .afterSeq(let seq, let limit):
            let start = Int(min(seq, UInt64(count)))
            range = start..<min(count, start + clamp(limit))
            hasMore = range.upperBound < count
        }
        return Result(messages: Array(log.messages[range]), hasMore: hasMore)
    }
}
