import Synchronization

/// Running totals of a log's group commit, cheap enough to keep always: benchmarks read
/// records per fsync from them; `/metrics` exports the same figures through swift-metrics.
public final class LogStatistics: Sendable {
    private let recordCount = Atomic<Int>(0)
    private let batchCount = Atomic<Int>(0)
    private let syncCount = Atomic<Int>(0)

    public init() {}

    /// Records written by the flusher.
    public var records: Int { recordCount.load(ordering: .relaxed) }
    /// Batches written (one `write` per segment touched).
    public var batches: Int { batchCount.load(ordering: .relaxed) }
    /// `fdatasync` calls.
    public var syncs: Int { syncCount.load(ordering: .relaxed) }

    func add(records: Int, syncs: Int) {
        if records > 0 {
            recordCount.add(records, ordering: .relaxed)
            batchCount.add(1, ordering: .relaxed)
        }
        if syncs > 0 { syncCount.add(syncs, ordering: .relaxed) }
    }
}
