/// Reads conversations' cold messages: those compaction moved from RAM into history files
/// (issue 16). The history store implements it; ``ConversationLog``'s reads that take a
/// `cold:` argument (`ConversationLog+Cold.swift`) join its answers with the hot messages.
public protocol ColdHistory: Sendable {
    /// The messages of `conversation` with `seq` in `seqs` that history files hold, in order.
    func messages(of conversation: ConversationID, seqs: ClosedRange<UInt64>) throws -> [Message]

    /// How many of those messages were not sent by `reader` (unread counts). History files
    /// never change, so an implementation may remember answers.
    func countMessages(of conversation: ConversationID, seqs: ClosedRange<UInt64>, notSentBy reader: Participant) throws -> Int

    /// The first `seq` in `seqs` whose message satisfies `predicate` (false for older
    /// messages, true for newer ones: an id or time bound), or `seqs.upperBound + 1`. An
    /// implementation that knows where blocks start can search them before decoding one.
    func firstSeq(of conversation: ConversationID, in seqs: ClosedRange<UInt64>, where predicate: (Message) throws -> Bool) throws -> UInt64
}

extension ColdHistory {
    /// A binary search with one single-message read per probe.
    public func firstSeq(
        of conversation: ConversationID, in seqs: ClosedRange<UInt64>, where predicate: (Message) throws -> Bool
    ) throws -> UInt64 {
        var low = seqs.lowerBound
        var high = seqs.upperBound + 1
        while low < high {
            let middle = low + (high - low) / 2
            guard let probe = try messages(of: conversation, seqs: middle...middle).first, probe.seq == middle else {
                throw ColdHistoryError.missing(conversation, middle...middle, found: 0)
            }
            if try predicate(probe) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    public func countMessages(of conversation: ConversationID, seqs: ClosedRange<UInt64>, notSentBy reader: Participant) throws -> Int {
        try messages(of: conversation, seqs: seqs).count { $0.sender.participant != reader }
    }
}

/// No history files (a state without a store, in tests and tools): a read of a cold message fails.
public struct NoColdHistory: ColdHistory {
    public init() {}

    public func messages(of conversation: ConversationID, seqs: ClosedRange<UInt64>) throws -> [Message] {
        throw ColdHistoryError.unavailable(conversation, seqs)
    }
}

/// A cold read that could not be answered.
public enum ColdHistoryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No history store to read from.
    case unavailable(ConversationID, ClosedRange<UInt64>)
    /// The history files hold fewer messages than the state says are cold.
    case missing(ConversationID, ClosedRange<UInt64>, found: Int)

    public var description: String {
        switch self {
        case .unavailable(let conversation, let seqs):
            "no history store to read \(conversation) seq \(seqs.lowerBound)…\(seqs.upperBound) from"
        case .missing(let conversation, let seqs, let found):
            "the history files hold \(found) of \(conversation)'s cold messages \(seqs.lowerBound)…\(seqs.upperBound)"
        }
    }
}
