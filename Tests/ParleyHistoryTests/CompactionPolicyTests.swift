import ParleyHistory
import ParleyModel
import Testing

/// Compaction's decisions, without I/O.
@Suite struct CompactionPolicyTests {
    typealias Candidate = CompactionPolicy.Candidate
    typealias Move = CompactionPolicy.Move
    let now = Timestamp(milliseconds: 10 * 24 * 3600 * 1000)
    let day: Int64 = 24 * 3600 * 1000

    func candidate(_ id: UInt64, cold: UInt64 = 0, last: UInt64, closedDaysAgo: Int64? = nil) -> Candidate {
        Candidate(
            conversation: ConversationID(id), coldThrough: cold, lastSeq: last,
            closedAt: closedDaysAgo.map { Timestamp(milliseconds: now.milliseconds - $0 * day) })
    }

    @Test func oldClosedConversationsKeepOnlyTheirNewestOthersTheirNewestN() {
        let policy = CompactionPolicy(closedAgeMilliseconds: day, keepNewest: 10, minimumMessages: 1)
        let moves = policy.plan(
            [
                candidate(5, last: 30, closedDaysAgo: 2),  // closed long ago: all but the newest
                candidate(2, last: 30, closedDaysAgo: 0),  // closed today: like an open one
                candidate(9, last: 8),  // fewer than the newest 10: nothing
                candidate(7, cold: 15, last: 30),  // 1–15 cold already: 16–20
                candidate(8, cold: 29, last: 30, closedDaysAgo: 3),  // all but the newest cold already
            ], now: now)
        #expect(
            moves == [
                Move(conversation: ConversationID(2), seqs: 1...20), Move(conversation: ConversationID(5), seqs: 1...29),
                Move(conversation: ConversationID(7), seqs: 16...20),
            ])
    }

    @Test func aRunWaitsForEnoughAndStopsAtItsMaximum() {
        let few = CompactionPolicy(keepNewest: 1, minimumMessages: 100, maximumMessages: 1000)
        #expect(few.plan([candidate(1, last: 61), candidate(2, last: 40)], now: now).isEmpty)
        #expect(few.plan([candidate(1, last: 61), candidate(2, last: 41)], now: now).map(\.count) == [60, 40])
        let capped = CompactionPolicy(keepNewest: 1, minimumMessages: 1, maximumMessages: 100)
        #expect(
            capped.plan([candidate(3, last: 81), candidate(1, cold: 10, last: 51), candidate(4, last: 6)], now: now) == [
                Move(conversation: ConversationID(1), seqs: 11...50), Move(conversation: ConversationID(3), seqs: 1...60),
            ])
    }

    @Test func aClockFarOffDoesNotTrap() {
        let policy = CompactionPolicy(keepNewest: 10, minimumMessages: 1)
        let odd = Candidate(conversation: ConversationID(1), coldThrough: 0, lastSeq: 3, closedAt: Timestamp(milliseconds: .min))
        #expect(policy.plan([odd], now: Timestamp(milliseconds: .max)).map(\.count) == [2])
    }
}
