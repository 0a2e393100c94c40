/// When to take the next snapshot: after N records or T seconds (with at least one record) since
/// the last one. A plain state machine; the store's service asks it once a second.
public struct SnapshotSchedule: Sendable {
    public let everyRecords: Int
    public let everySeconds: Int
    private var lastLSN: UInt64
    private var lastTime: ContinuousClock.Instant

    public init(everyRecords: Int, everySeconds: Int, lastLSN: UInt64, now: ContinuousClock.Instant) {
        self.everyRecords = everyRecords
        self.everySeconds = everySeconds
        self.lastLSN = lastLSN
        self.lastTime = now
    }

    /// Whether a snapshot is due with the log at `appliedLSN`.
    public func isDue(appliedLSN: UInt64, now: ContinuousClock.Instant) -> Bool {
        let pending = appliedLSN > lastLSN ? appliedLSN - lastLSN : 0
        guard pending > 0 else { return false }
        return pending >= UInt64(everyRecords) || now - lastTime >= .seconds(everySeconds)
    }

    /// Notes a snapshot taken at `lsn`.
    public mutating func taken(lsn: UInt64, now: ContinuousClock.Instant) {
        lastLSN = lsn
        lastTime = now
    }
}
