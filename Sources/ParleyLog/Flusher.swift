import Foundation
import Logging

/// The log's flusher thread: takes each pending batch whole, writes it with one write per
/// segment and syncs it as the policy says, hands it to the commit handler, then resumes the
/// batch's waiters. Blocking file I/O stays off Swift's cooperative pool.
enum Flusher {
    /// A batch at least this large says writers are waiting on each sync: the load at which
    /// the flusher lets them run before it takes the next batch (batches then grow with load).
    static let busyBatchRecords = 8
    /// The flusher thread's name (`top -H`, `perf`).
    static let threadName = "log-flusher"

    static func start(
        shared: SharedState, policy: FsyncPolicy, commitDelay: Duration, metrics: LogMetrics, logger: Logger,
        onCommit: (@Sendable ([LogRecord]) -> [UInt64: String])?, onFatalError: @escaping @Sendable (LogError) -> Void
    ) {
        let thread = Thread {
            ThreadName.apply(threadName)
            run(
                shared: shared, policy: policy, commitDelay: commitDelay, metrics: metrics, logger: logger,
                onCommit: onCommit, onFatalError: onFatalError)
        }
        thread.start()
    }

    private static func run(
        shared: SharedState, policy: FsyncPolicy, commitDelay: Duration, metrics: LogMetrics, logger: Logger,
        onCommit: (@Sendable ([LogRecord]) -> [UInt64: String])?, onFatalError: @Sendable (LogError) -> Void
    ) {
        defer { shared.markExited() }
        var lastSync = ContinuousClock.now
        var unsynced = false
        var writtenThrough = shared.withLock { $0.durableLSN }
        var lastBatchRecords = 0
        var pacer = SyncPacer(minimumInterval: policy == .always ? commitDelay : .zero)
        while true {
            // Under load, the writers get the core before the next batch is taken: on a server
            // whose threads share a core, the flusher would otherwise take the batch the moment
            // its sync returns, in the middle of the event loop's turn, and sync twice as often
            // for the same messages. Where the flusher has a core of its own, this returns at once.
            if lastBatchRecords >= Self.busyBatchRecords { sched_yield() }
            // The commit delay: what arrives while it runs shares the next sync.
            pacer.waitForTurn()
            let deadline: Date? =
                if case .interval(let ms) = policy, unsynced { Date(timeIntervalSinceNow: Double(ms) / 1000) } else { nil }
            let (batch, closing) = shared.waitForBatch(until: deadline)
            lastBatchRecords = batch?.recordCount ?? 0
            do {
                var syncs = 0
                let started = ContinuousClock.now
                if let batch {
                    syncs += try shared.writer.write(batch.chunks)
                    writtenThrough = batch.lastLSN
                    unsynced = true
                }
                let syncRequested = shared.withLock { $0.syncIsRequested }
                let intervalDue: Bool =
                    if case .interval(let ms) = policy { ContinuousClock.now - lastSync >= .milliseconds(ms) } else { false }
                if unsynced && (policy == .always || syncRequested || intervalDue || (batch == nil && deadline != nil)) {
                    pacer.syncStarting()
                    try shared.writer.sync()
                    syncs += 1
                    unsynced = false
                    lastSync = ContinuousClock.now
                    shared.markSynced(through: writtenThrough)
                } else if syncRequested {
                    shared.markSynced(through: writtenThrough)
                }
                metrics.recordBatch(records: batch?.recordCount ?? 0, syncs: syncs, duration: ContinuousClock.now - started)
                if let batch {
                    let refused = onCommit?(batch.records) ?? [:]
                    let ready = shared.withLock { $0.complete(through: batch.lastLSN, rejecting: refused) }
                    for (waiter, error) in ready { waiter.resume(error) }
                }
                if closing && batch == nil {
                    try shared.writer.close()
                    shared.markSynced(through: writtenThrough)
                    return
                }
            } catch {
                // Nothing written by this batch may be acknowledged: its durability is unknown.
                let isSync = (error as? FileSystemError).map { ["fdatasync", "fsync"].contains($0.operation) } ?? false
                let failure = isSync ? LogError.syncFailed("\(error)") : LogError.failed("\(error)")
                logger.critical("log write failed; no further writes are accepted", metadata: ["parley.error": "\(error)"])
                let waiters = shared.withLock { $0.fail(failure) }
                for waiter in waiters { waiter.resume(failure) }
                onFatalError(failure)
                return
            }
        }
    }
}
