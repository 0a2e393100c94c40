@testable import ParleyStorage
import Testing

/// The decisions of a cluster node's writes, without Redis (docs/SCALING.md, step 3): a ticket
/// resolves once the script answered *and* the tail applied its LSN, in either order; failures
/// and refusals reach their writer; outcomes stay for later waiters.
struct ClusterCommitStateTests {
    typealias State = ClusterCommitState<String, Int>

    @Test func ticketsLeaveInOrderAndBatchesTakeWhatIsQueued() {
        var state = State(applied: 0)
        #expect(state.enqueue("a") == 1)
        #expect(state.enqueue("b") == 2)
        #expect(state.takeBatch(limit: 1).map(\.payload) == ["a"])
        #expect(state.enqueue("c") == 3)
        #expect(state.takeBatch(limit: 10).map(\.ticket) == [2, 3])
        #expect(!state.hasQueued)
    }

    @Test func aTicketResolvesWhenAnsweredAndApplied() {
        var state = State(applied: 10)
        let ticket = state.enqueue("m")!
        _ = state.takeBatch(limit: 10)
        #expect(state.wait(ticket, 7) == nil)
        // Answered first: waits for the tail.
        #expect(state.answered(ticket, .success(CommitPosition(lsn: 12, seq: 3, id: 40))).isEmpty)
        #expect(state.applied(through: 11, refused: [:]).isEmpty)
        let resolved = state.applied(through: 12, refused: [:])
        #expect(resolved.map(\.0) == [7])
        #expect(resolved.first?.1 == .committed(CommitPosition(lsn: 12, seq: 3, id: 40)))
        // A later waiter on the same ticket gets the same outcome at once.
        #expect(state.wait(ticket, 8) == .committed(CommitPosition(lsn: 12, seq: 3, id: 40)))
    }

    @Test func theTailMayApplyBeforeTheAnswerArrives() {
        var state = State(applied: 0)
        let ticket = state.enqueue("m")!
        #expect(state.wait(ticket, 1) == nil)
        #expect(state.applied(through: 5, refused: [:]).isEmpty)
        let resolved = state.answered(ticket, .success(CommitPosition(lsn: 5)))
        #expect(resolved.first?.1 == .committed(CommitPosition(lsn: 5)))
    }

    @Test func aRefusedRecordFailsItsWriterButARepeatAtThatLSNDoesNot() {
        var state = State(applied: 0)
        let first = state.enqueue("dup")!
        let repeatTicket = state.enqueue("again")!
        _ = state.wait(first, 1)
        _ = state.wait(repeatTicket, 2)
        _ = state.answered(first, .success(CommitPosition(lsn: 3)))
        _ = state.answered(repeatTicket, .success(CommitPosition(lsn: 3, seq: 1, isRepeat: true)))
        let resolved = state.applied(through: 3, refused: [3: "unique key taken"])
        #expect(resolved.count == 2)
        #expect(resolved.first { $0.0 == 1 }?.1 == .failed(.refused(lsn: 3, reason: "unique key taken")))
        #expect(resolved.first { $0.0 == 2 }?.1 == .committed(CommitPosition(lsn: 3, seq: 1, isRepeat: true)))
    }

    @Test func failuresResolveAtOnceAndCloseFailsTheRest() {
        var state = State(applied: 0)
        let lost = state.enqueue("a")!
        let pending = state.enqueue("b")!
        let queued = state.enqueue("c")!
        _ = state.takeBatch(limit: 2)
        _ = state.wait(lost, 1)
        _ = state.wait(pending, 2)
        _ = state.wait(queued, 3)
        #expect(state.answered(lost, .failure(.unavailable("connection closed"))).map(\.0) == [1])
        _ = state.answered(pending, .success(CommitPosition(lsn: 9)))
        let closed = state.close(.unavailable("stopping"))
        #expect(Set(closed.map(\.0)) == [2, 3])
        #expect(closed.allSatisfy { $0.1 == .failed(.unavailable("stopping")) })
        #expect(state.enqueue("d") == nil)
        #expect(state.wait(queued, 4) == .failed(.unavailable("stopping")))
    }

    @Test func outcomesAreKeptForTheRetainedWindow() {
        var state = State(applied: 0, retained: 4)
        var tickets: [UInt64] = []
        for index in 0..<6 {
            let ticket = state.enqueue("r\(index)")!
            tickets.append(ticket)
            _ = state.answered(ticket, .failure(.conversationClosed))
        }
        #expect(state.outcome(of: tickets[5]) == .failed(.conversationClosed))
        #expect(state.outcome(of: tickets[2]) == .failed(.conversationClosed))
        // Past the window: long resolved, its outcome no longer known, so never reported committed.
        #expect(state.outcome(of: tickets[0]) == .failed(.unavailable("the outcome of this write is no longer known; retry")))
        // A ticket never handed out has no outcome.
        #expect(state.outcome(of: 99) == nil)
    }
}
