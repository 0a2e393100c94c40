import Metrics

/// The log's metrics (exported at `/metrics` by the server's Prometheus backend).
struct LogMetrics: Sendable {
    let statistics = LogStatistics()
    let appends = Counter(label: "parley_log_appends_total")
    let fsyncs = Counter(label: "parley_log_fsyncs_total")
    let batches = Counter(label: "parley_log_batches_total")
    let batchRecords = Recorder(label: "parley_log_batch_records")
    let flushDuration = Metrics.Timer(label: "parley_log_flush_seconds")

    func recordBatch(records: Int, syncs: Int, duration: Duration) {
        statistics.add(records: records, syncs: syncs)
        if syncs > 0 { fsyncs.increment(by: syncs) }
        guard records > 0 else { return }
        batches.increment()
        batchRecords.record(records)
        flushDuration.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
