import Foundation
import Logging

/// The log's flusher thread: takes each pending batch whole, writes it with one write per
/// segment and syncs it as the policy says, hands it to the commit handler, then resumes the
/// batch's waiters. Blocking file I/O stays off Swift's cooperative pool.
enum Flusher {
    static func start(
        shared: SharedState, policy: FsyncPolicy, metrics: LogMetrics, logger: Logger,
        onCommit: (@Sendable ([LogRecord]) -> Void)?, onFatalError: @escaping @Sendable (LogError) -> Void
    ) {
        let thread = Thread {
            run(shared: shared, policy: policy, metrics: metrics, logger: logger, onCommit: onCommit, onFatalError: onFatalError)
        }
        thread.name = "parley-log-flusher"
        thread.start()
    }

    private static func run(
        shared: SharedState, policy: FsyncPolicy, metrics: LogMetrics, logger: Logger,
        onCommit: (@Sendable ([LogRecord]) -> Void)?, onFatalError: @Sendable (LogError) -> Void
    ) {
        defer { shared.markExited() }
        var lastSync = ContinuousClock.now
        var unsynced = false
        while true {
            let deadline: Date? =
                if case .interval(let ms) = policy, unsynced { Date(timeIntervalSinceNow: Double(ms) / 1000) } else { nil }
            let (batch, closing) = shared.waitForBatch(until: deadline)
            do {
                if let batch {
                    let started = ContinuousClock.now
                    var syncs = try shared.writer.write(batch.chunks)
                    switch policy {
                    case .always:
                        try shared.writer.sync()
                        syncs += 1
                    case .interval(let ms):
                        unsynced = true
                        if ContinuousClock.now - lastSync >= .milliseconds(ms) {
                            try shared.writer.sync()
                            syncs += 1
                            unsynced = false
                            lastSync = ContinuousClock.now
                        }
                    case .none:
                        break
                    }
                    metrics.recordBatch(records: batch.recordCount, syncs: syncs, duration: ContinuousClock.now - started)
                    onCommit?(batch.records)
                    let ready = shared.withLock { $0.complete(through: batch.lastLSN) }
                    for waiter in ready { waiter.continuation.resume() }
                } else if unsynced {
                    try shared.writer.sync()
                    metrics.recordBatch(records: 0, syncs: 1, duration: .zero)
                    unsynced = false
                    lastSync = ContinuousClock.now
                }
                if closing && batch == nil {
                    try shared.writer.close()
                    return
                }
            } catch {
                // Nothing written by this batch may be acknowledged: its durability is unknown.
                let failure = LogError.failed("\(error)")
                logger.critical("log write failed; no further writes are accepted", metadata: ["parley.error": "\(error)"])
                let waiters = shared.withLock { $0.fail(failure) }
                for waiter in waiters { waiter.continuation.resume(throwing: failure) }
                onFatalError(failure)
                return
            }
        }
    }
}
