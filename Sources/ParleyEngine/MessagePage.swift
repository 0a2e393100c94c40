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

    /// The page, read from RAM and, for cold messages, from history files (issue 16). Work
    /// in `seq` space: the page is `first ..< end`, never below the first message retention
    /// or erasure left (``ConversationLog/firstReadableSeq``).
    func select(from log: ConversationLog, cold: some ColdHistory) throws -> Result {
        let last = log.lastSeq
        let floor = log.firstReadableSeq
        func clamp(_ limit: Int) -> UInt64 { UInt64(Swift.min(Swift.max(limit, 0), 1000)) }
        func back(from end: UInt64, _ limit: Int) -> UInt64 { end > clamp(limit) ? Swift.max(end - clamp(limit), floor) : floor }
        func anchor(_ id: MessageID) throws -> Message {
            guard let message = try log.message(id: id, cold: cold) else { throw EngineError.notFound("message not found") }
            return message
        }
        let first: UInt64
        let end: UInt64
        let hasMore: Bool
        switch self {
        case .newest(let limit):
            end = last + 1
            first = back(from: end, limit)
            hasMore = first > floor
        case .before(let id, let limit):
            end = try anchor(id).seq
            first = back(from: end, limit)
            hasMore = first > floor
        case .after(let id, let limit):
            first = try anchor(id).seq + 1
            end = Swift.min(last + 1, first + clamp(limit))
            hasMore = end <= last
        case .beforeTime(let time, let limit):
            // Messages are dated as they are appended, so times rise with `seq`: the page ends
            // at the first message written at or after `time`.
            end = try log.firstSeq(cold: cold) { $0.createdAt >= time }
            first = back(from: end, limit)
            hasMore = first > floor
        case .afterSeq(let seq, let limit):
            first = Swift.max(Swift.min(seq, last) + 1, floor)
            end = Swift.min(last + 1, first + clamp(limit))
            hasMore = end <= last
        }
        return Result(messages: first < end ? try log.messages(in: first...(end - 1), cold: cold) : [], hasMore: hasMore)
    }
}
