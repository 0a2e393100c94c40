/// Reads over a conversation's whole history, hot and cold: what callers that must not care
/// where a message lives use (REST history, resume, analytics, exports; issue 16).
extension ConversationLog {
    /// The messages with `seq` in `seqs` (clamped to ``firstReadableSeq`` … ``lastSeq``), in order.
    public func messages(in seqs: ClosedRange<UInt64>, cold: some ColdHistory) throws -> [Message] {
        let lower = max(seqs.lowerBound, firstReadableSeq)
        let upper = min(seqs.upperBound, lastSeq)
        guard lower <= upper else { return [] }
        var result: [Message] = []
        if lower <= coldThrough {
            let wanted = lower...min(upper, coldThrough)
            result = try cold.messages(of: conversation.id, seqs: wanted)
            guard result.count == wanted.count, result.first?.seq == lower else {
                throw ColdHistoryError.missing(conversation.id, wanted, found: result.count)
            }
        }
        if upper > coldThrough {
            let start = Int(max(lower, coldThrough + 1) - coldThrough - 1)
            result += hotMessages[start...Int(upper - coldThrough - 1)]
        }
        return result
    }

    /// Every message, oldest first.
    public func allMessages(cold: some ColdHistory) throws -> [Message] {
        lastSeq == 0 ? [] : try messages(in: 1...lastSeq, cold: cold)
    }

    /// The newest `count` messages, oldest first (fewer when older ones were purged).
    public func newest(_ count: Int, cold: some ColdHistory) throws -> [Message] {
        guard count > 0, lastSeq > 0 else { return [] }
        return try messages(in: (lastSeq - min(lastSeq, UInt64(count)) + 1)...lastSeq, cold: cold)
    }

    /// The message with this `seq`, hot or cold.
    public func message(seq: UInt64, cold: some ColdHistory) throws -> Message? {
        guard seq >= firstReadableSeq, seq <= lastSeq else { return nil }
        return try message(seq: seq) ?? messages(in: seq...seq, cold: cold).first
    }

    /// The message with this id, hot or cold (ids grow with `seq` inside a conversation).
    public func message(id: MessageID, cold: some ColdHistory) throws -> Message? {
        if let first = hotMessages.first, first.id <= id { return message(id: id) }
        let seq = try firstSeq(cold: cold) { $0.id >= id }
        guard let found = try message(seq: seq, cold: cold), found.id == id else { return nil }
        return found
    }

    /// The first `seq` whose message satisfies `predicate` (false for older messages, true for
    /// newer ones, like an id or time bound), or ``lastSeq`` + 1 when none does; never below
    /// ``firstReadableSeq``. A binary search; in the cold part the history store's (block by block).
    public func firstSeq(cold: some ColdHistory, where predicate: (Message) throws -> Bool) throws -> UInt64 {
        if let first = hotMessages.first, try !predicate(first) {
            return coldThrough + 1 + UInt64(try hotMessages.partitionPoint(where: predicate))
        }
        // Every hot message satisfies it: the answer is in the cold prefix, or right after it.
        guard coldThrough > purgedThrough else { return firstReadableSeq }
        return try cold.firstSeq(of: conversation.id, in: firstReadableSeq...coldThrough, where: predicate)
    }

    /// How many messages after the reader's cursor were written by someone else. A cold part
    /// that cannot be read counts as unread.
    public func unreadCount(for reader: Participant, cold: some ColdHistory) -> Int {
        // Purged messages are not there to read: they never count as unread.
        let cursor = max(readCursors[reader]?.seq ?? 0, purgedThrough)
        let hotStart = Int(max(cursor, coldThrough) - coldThrough)
        var count = hotStart < hotMessages.count ? hotMessages[hotStart...].lazy.filter { $0.sender.participant != reader }.count : 0
        if cursor < coldThrough {
            let seqs = (cursor + 1)...coldThrough
            count += (try? cold.countMessages(of: conversation.id, seqs: seqs, notSentBy: reader)) ?? seqs.count
        }
        return count
    }
}
