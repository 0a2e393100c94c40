import ParleyModel
import ParleyRedis

extension EventStore {
    /// A cluster node's maintenance run (docs/SCALING.md, "Retention and erasure across nodes"):
    /// the node that claims the run (`<prefix>:claim:maintenance`, for a little less than one
    /// interval) first applies the stream as far as it reaches, then appends the expiry records
    /// of sites' retention periods, which every node applies alike; every node then scrubs its
    /// own snapshots (a snapshot is taken when one older than the newest purge is kept). Redis's
    /// copy (the stream, the shared snapshot, the append-only file) is scrubbed by
    /// ``ClusterHousekeeping``. The claimant also compacts and rewrites history files that hold
    /// purged messages; every node writes its own copy of each file as it applies the record
    /// (docs/SCALING.md, "History files across nodes").
    func maintainClusterNode(now: Timestamp, releaseBlob: (String) -> Void) async throws -> MaintenanceReport {
        var report = MaintenanceReport()
        let interval = Duration.seconds(max(1, configuration.compactionEverySeconds))
        if await claim("maintenance", for: interval * 0.9) {
            try await applyToEndOfStream(within: .seconds(10))
            // History files are written here first; every other node writes its own copy when it
            // applies the record (``ClusterHistoryMaterializer``).
            try await expireAndCompact(now: now, into: &report, releaseBlob: releaseBlob)
        }
        report.scrubSnapshotLSN = try await scrubSnapshotsAndLog()
        return report
    }

    /// Returns once this node has applied every record the stream held when it was called, so a
    /// plan made afterwards sees what every other node has written (an expiry planned on a state
    /// behind another node's purge would purge again).
    func applyToEndOfStream(within limit: Duration) async throws {
        guard let cluster else { return }
        let last = try await unavailableOnRedisFailure { try await RedisLog(client: cluster.client, keys: cluster.keys).lastLSN() }
        let deadline = ContinuousClock.now + limit
        while appliedLSN < last {
            guard ContinuousClock.now < deadline else {
                throw ClusterWriteError.unavailable("this node has applied \(appliedLSN) of the stream's \(last) records")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
