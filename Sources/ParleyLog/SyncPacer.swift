import Foundation

/// The commit delay (`parley serve --commit-delay-us`): under ``FsyncPolicy/always``, two
/// `fdatasync`s of the log start at least ``minimumInterval`` apart. The flusher asks
/// ``delay(at:)`` before it takes its next batch and waits that long, so everything appended
/// meanwhile shares one sync; an acknowledgement still waits for the sync of its record.
///
/// A quiet log pays nothing (its last sync is older than the interval); a busy one syncs at
/// most `1 s / minimumInterval` times a second, each sync covering more records. Zero (the
/// default) syncs each batch as soon as the flusher takes it. The same trade as PostgreSQL's
/// `commit_delay` and MySQL's `binlog_group_commit_sync_delay`: a little latency for fewer
/// device flushes, where a flush costs more than its wait (docs/OPERATIONS.md, "Commit delay").
public struct SyncPacer: Sendable {
    /// The longest delay `parley serve` accepts (as PostgreSQL's `commit_delay`).
    public static let maximumMicroseconds = 100_000

    public let minimumInterval: Duration
    private var lastSyncStart: ContinuousClock.Instant?

    public init(minimumInterval: Duration) {
        precondition(minimumInterval >= .zero, "a commit delay is not negative")
        self.minimumInterval = minimumInterval
    }

    /// How long to wait at `now` before taking the next batch: what remains of the interval
    /// since the last sync started, or zero.
    public func delay(at now: ContinuousClock.Instant) -> Duration {
        guard minimumInterval > .zero, let lastSyncStart else { return .zero }
        let elapsed = now - lastSyncStart
        return elapsed < minimumInterval ? minimumInterval - elapsed : .zero
    }

    /// The flusher starts an `fdatasync` at `now`.
    public mutating func syncStarted(at now: ContinuousClock.Instant) {
        lastSyncStart = now
    }

    /// The flusher's side: sleeps for ``delay(at:)`` before it takes a batch, and notes each
    /// sync's start. Without a delay neither reads the clock (the log's flush path).
    public func waitForTurn() {
        guard minimumInterval > .zero else { return }
        let delay = delay(at: .now)
        if delay > .zero { Thread.sleep(forTimeInterval: Double(delay / .nanoseconds(1)) / 1e9) }
    }

    /// ``syncStarted(at:)`` now, when there is a delay.
    public mutating func syncStarting() {
        if minimumInterval > .zero { syncStarted(at: .now) }
    }
}
