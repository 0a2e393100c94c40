/// When to take the next snapshot: after N records or T seconds (with at least one record) since
/// the last one. A plain state machine; the store's service asks it once a second.
///
/// The record count grows with the state: once the last snapshot held more records than N
/// (its header's counts: sites, agents, visitors, conversations, messages, read cursors), the
/// next one waits for that many new records instead. Each snapshot encodes the whole state, so
/// with a fixed N a large state would pay for a full encoding every N records; this way the
/// snapshots' total work stays proportional to what was logged, as Redis rewrites its
/// append-only file only once it has grown by 100 % (`auto-aof-rewrite-percentage`). The log to
/// replay after a crash is then at most as long as the snapshot it follows (or N records, or T
/// seconds of writes, whichever comes first).
public struct SnapshotSchedule: Sendable {
    public let everyRecords: Int
    public let everySeconds: Int
    private var lastLSN: UInt64
    private var lastTime: ContinuousClock.Instant
    private var lastSize: UInt64 = 0

    public init(everyRecords: Int, everySeconds: Int, lastLSN: UInt64, now: ContinuousClock.Instant) {
        self.everyRecords = everyRecords
        self.everySeconds = everySeconds
        self.lastLSN = lastLSN
        self.lastTime = now
    }

    /// New records that make a snapshot due: N, or as many as the last snapshot held.
    public var recordsDue: UInt64 { max(UInt64(everyRecords), lastSize) }

    /// Whether a snapshot is due with the log at `appliedLSN`.
    public func isDue(appliedLSN: UInt64, now: ContinuousClock.Instant) -> Bool {
        let pending = appliedLSN > lastLSN ? appliedLSN - lastLSN : 0
        guard pending > 0 else { return false }
        return pending >= recordsDue || now - lastTime >= .seconds(everySeconds)
    }

    /// Notes a snapshot taken at `lsn` holding `records` records (the sum of its header's counts;
    /// 0 when it is not known).
    public mutating func taken(lsn: UInt64, records: UInt64 = 0, now: ContinuousClock.Instant) {
        lastLSN = lsn
        lastTime = now
        lastSize = records
    }
}
