public import Logging
import ParleyModel
import ParleySnapshot
public import ServiceLifecycle

/// Runs the store in the server's `ServiceGroup`: takes snapshots on schedule while the
/// server runs, and on graceful shutdown (after the services started later have stopped)
/// flushes and closes the log and writes a final snapshot, so the next start replays nothing.
public struct EventStoreService: Service {
    private let store: EventStore
    private let logger: Logger
    /// Unlinks a blob no file names any more (retention deletes files).
    private let releaseBlob: @Sendable (String) -> Void
    /// A cluster node's reporting, shared snapshot and trimming (`nil` on one node).
    private let housekeeping: ClusterHousekeeping?
    private let housekeepingInterval: Duration

    public init(
        store: EventStore, logger: Logger, releaseBlob: @escaping @Sendable (String) -> Void = { _ in },
        housekeepingInterval: Duration = .seconds(5)
    ) {
        self.store = store
        self.housekeepingInterval = housekeepingInterval
        housekeeping = store.clusterHousekeeping(snapshotEveryRecords: store.configuration.snapshotEveryRecords)
        self.logger = logger
        self.releaseBlob = releaseBlob
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await maintainOnSchedule() }
                if let housekeeping { group.addTask { await keepHouse(housekeeping) } }
                // A cluster node hands its history files to nodes that start without them.
                if store.isClustered { group.addTask { await store.serveHistoryFiles() } }
                await snapshotOnSchedule()
                group.cancelAll()
            }
        }
        await housekeeping?.leave()
        store.close()
        do {
            let store = self.store
            let info = try await OffloadedWork.run(name: "final-snapshot") { try store.takeSnapshot() }
            logger.info("final snapshot written", metadata: ["parley.lsn": "\(info?.lsn ?? 0)"])
        } catch {
            logger.error("final snapshot failed; the log keeps everything", metadata: ["parley.error": "\(error)"])
        }
    }

    /// On a cluster node, every 5 s: report this node, share a snapshot when due, trim the stream
    /// (``ClusterHousekeeping``); a failed step is logged and tried again.
    private func keepHouse(_ housekeeping: ClusterHousekeeping) async {
        while !Task.isCancelled {
            do {
                let report = try await housekeeping.step()
                if report.sharedSnapshot != nil || report.trimmed > 0 || report.scrubbedPurge != nil || report.localScrubSnapshot != nil {
                    logger.info(
                        "cluster housekeeping",
                        metadata: [
                            "parley.shared_snapshot": "\(report.sharedSnapshot.map { "\($0)" } ?? "none")", "parley.trimmed": "\(report.trimmed)",
                            "parley.scrubbed_purge": "\(report.scrubbedPurge.map { "\($0)" } ?? "none")",
                            "parley.scrub_snapshot": "\(report.localScrubSnapshot.map { "\($0)" } ?? "none")",
                        ])
                }
            } catch {
                logger.warning("cluster housekeeping failed; it is tried again", metadata: ["parley.error": "\(error)"])
            }
            try? await Task.sleep(for: housekeepingInterval)
        }
    }

    /// The maintenance run (issue 16: retention, compaction, history rewrite, scrub) every
    /// `compactionEverySeconds`, on low-priority threads; a failed run is logged and tried
    /// again at the next interval (nothing is lost: every step is decided from the state).
    private func maintainOnSchedule() async {
        let every = store.configuration.compactionEverySeconds
        guard every > 0 else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(every))
            guard !Task.isCancelled else { return }
            do {
                guard let report = try await store.maintain(now: .now(), releaseBlob: releaseBlob), !report.isEmpty else { continue }
                logger.info(
                    "maintenance run",
                    metadata: [
                        "parley.expired_messages": "\(report.expiredMessages)", "parley.deleted_files": "\(report.deletedFiles)",
                        "parley.history_file": "\(report.compacted.map { "\($0.number)" } ?? "none")",
                        "parley.conversations": "\(report.compacted?.moves.count ?? 0)",
                        "parley.replaced_files": "\(report.replacedFiles.count)",
                        "parley.scrub_snapshot": "\(report.scrubSnapshotLSN.map { "\($0)" } ?? "none")",
                    ])
            } catch {
                logger.error("maintenance run failed; it is tried again at the next interval", metadata: ["parley.error": "\(error)"])
            }
        }
    }

    private func snapshotOnSchedule() async {
        var schedule = SnapshotSchedule(
            everyRecords: store.configuration.snapshotEveryRecords,
            everySeconds: store.configuration.snapshotEverySeconds, lastLSN: store.appliedLSN, now: .now)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard !Task.isCancelled, schedule.isDue(appliedLSN: store.appliedLSN, now: .now) else { continue }
            do {
                let store = self.store
                if let info = try await OffloadedWork.run(name: "snapshot", priority: .background, { try store.takeSnapshot() }) {
                    schedule.taken(lsn: info.lsn, records: info.header?.counts.reduce(0, +) ?? 0, now: .now)
                }
            } catch {
                logger.error("scheduled snapshot failed", metadata: ["parley.error": "\(error)"])
                // Try again when the next interval or record count is reached, not every second.
                schedule.taken(lsn: store.appliedLSN, now: .now)
            }
        }
    }
}
