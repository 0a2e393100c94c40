import Foundation

/// The log's state shared between appenders and the flusher thread.
///
/// Safety of `@unchecked Sendable`: `state` and `exited` are read and written only while
/// `condition` is locked (every access goes through `withLock` or the waits below). `writer` is
/// used only by the flusher thread: `RecordLog.open` creates it before the thread starts and
/// never touches it again, and `close()` only waits for the thread to exit.
final class SharedState: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: GroupCommitState
    private var exited = false
    /// The flusher is waiting in ``waitForBatch(until:)`` (so an append has to wake it).
    private var flusherWaits = false
    let writer: SegmentWriter

    init(state: GroupCommitState, writer: SegmentWriter) {
        self.state = state
        self.writer = writer
    }

    func withLock<T, E: Error>(_ body: (inout GroupCommitState) throws(E) -> T) throws(E) -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body(&state)
    }

    /// Runs `body` (an append) under the lock and wakes the flusher if it waits: one lock, and
    /// no wake-up call while the flusher is busy with the previous batch.
    func enqueue<T, E: Error>(_ body: (inout GroupCommitState) throws(E) -> T) throws(E) -> T {
        let (result, wakes) = try withLock { state throws(E) in (try body(&state), flusherWaits) }
        // Signalled after the unlock, so the woken flusher does not block on the lock at once.
        // No wake-up is lost: the flusher sets `flusherWaits` and waits under the lock, and
        // looks for pending records before it waits again.
        if wakes { condition.signal() }
        return result
    }

    /// Wakes the flusher.
    func signal() {
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    /// Blocks until there is a batch, the log is closing, or `deadline` passes.
    func waitForBatch(until deadline: Date?) -> (batch: GroupCommitState.Batch?, closing: Bool) {
        condition.lock()
        defer { condition.unlock() }
        flusherWaits = true
        defer { flusherWaits = false }
        while !state.hasPending && !state.isClosing && !state.syncIsRequested {
            if let deadline {
                if !condition.wait(until: deadline) { break }
            } else {
                condition.wait()
            }
        }
        return (state.takeBatch(), state.isClosing)
    }

    /// Blocks until everything appended before the call is fdatasynced (or the log failed/closed).
    func waitUntilSynced() throws(LogError) {
        condition.lock()
        defer { condition.unlock() }
        let target = state.requestSync()
        condition.broadcast()
        while state.syncedLSN < target && state.failure == nil && !exited { condition.wait() }
        if let failure = state.failure { throw failure }
        if state.syncedLSN < target { throw .closed }
    }

    /// Records an fdatasync through `lsn` and wakes ``waitUntilSynced()`` callers.
    func markSynced(through lsn: UInt64) {
        condition.lock()
        state.synced(through: lsn)
        condition.broadcast()
        condition.unlock()
    }

    func markExited() {
        condition.lock()
        exited = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilFlusherExits() {
        condition.lock()
        while !exited { condition.wait() }
        condition.unlock()
    }
}
