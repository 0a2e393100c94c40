public import ParleyModel

/// What compaction moves out of RAM into a history file (issue 16), decided without I/O: of a
/// conversation closed longer than ``closedAgeMilliseconds`` ago, every message but its newest
/// (conversation lists show it); of any other, every message but its newest ``keepNewest``. A
/// run moves at least ``minimumMessages`` (fewer wait for a later run: a file per handful of
/// messages would cost more than it saves) and at most ``maximumMessages`` (one file, bounded
/// work; the rest waits for the next run).
public struct CompactionPolicy: Sendable, Equatable {
    public var closedAgeMilliseconds: Int64
    public var keepNewest: Int
    public var minimumMessages: Int
    public var maximumMessages: Int

    public init(
        closedAgeMilliseconds: Int64 = 24 * 3600 * 1000, keepNewest: Int = 100, minimumMessages: Int = 10_000,
        maximumMessages: Int = 1_000_000
    ) {
        precondition(keepNewest >= 1 && minimumMessages >= 1 && maximumMessages >= minimumMessages)
        self.closedAgeMilliseconds = closedAgeMilliseconds
        self.keepNewest = keepNewest
        self.minimumMessages = minimumMessages
        self.maximumMessages = maximumMessages
    }

    /// One conversation as compaction sees it.
    public struct Candidate: Sendable, Equatable {
        public var conversation: ConversationID
        /// The newest `seq` already in history files (0 when none is).
        public var coldThrough: UInt64
        public var lastSeq: UInt64
        public var closedAt: Timestamp?

        public init(conversation: ConversationID, coldThrough: UInt64, lastSeq: UInt64, closedAt: Timestamp?) {
            self.conversation = conversation
            self.coldThrough = coldThrough
            self.lastSeq = lastSeq
            self.closedAt = closedAt
        }
    }

    /// The messages of one conversation a run moves: the `seq`s right after its cold ones.
    public struct Move: Sendable, Equatable {
        public var conversation: ConversationID
        public var seqs: ClosedRange<UInt64>

        public init(conversation: ConversationID, seqs: ClosedRange<UInt64>) {
            self.conversation = conversation
            self.seqs = seqs
        }

        public var count: Int { Int(seqs.upperBound - seqs.lowerBound + 1) }
    }

    /// The moves of one run, by conversation id (the order a history file wants), or none.
    public func plan(_ candidates: some Sequence<Candidate>, now: Timestamp) -> [Move] {
        var moves: [Move] = []
        for candidate in candidates {
            let closedLongAgo = candidate.closedAt.map { closedAt in
                // Saturating: times far apart (a damaged or far-off clock) do not trap.
                let (age, overflow) = now.milliseconds.subtractingReportingOverflow(closedAt.milliseconds)
                return (overflow ? (closedAt.milliseconds < 0 ? Int64.max : Int64.min) : age) >= closedAgeMilliseconds
            } ?? false
            let keep = closedLongAgo ? 1 : UInt64(keepNewest)
            let through = candidate.lastSeq - min(candidate.lastSeq, keep)
            if through > candidate.coldThrough {
                moves.append(Move(conversation: candidate.conversation, seqs: (candidate.coldThrough + 1)...through))
            }
        }
        moves.sort { $0.conversation < $1.conversation }
        var total = 0
        var kept: [Move] = []
        for var move in moves {
            guard total < maximumMessages else { break }
            let room = maximumMessages - total
            if move.count > room { move.seqs = move.seqs.lowerBound...(move.seqs.lowerBound + UInt64(room) - 1) }
            kept.append(move)
            total += move.count
        }
        return total >= minimumMessages ? kept : []
    }
}
