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

    public init(store: EventStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await compactOnSchedule() }
                await snapshotOnSchedule()
                group.cancelAll()
            }
        }
        store.close()
        do {
            let store = self.store
            let info = try await OffloadedWork.run(name: "parley-final-snapshot") { try store.takeSnapshot() }
            logger.info("final snapshot written", metadata: ["parley.lsn": "\(info?.lsn ?? 0)"])
        } catch {
            logger.error("final snapshot failed; the log keeps everything", metadata: ["parley.error": "\(error)"])
        }
    }

    /// History compaction (issue 16) every `compactionEverySeconds`, on a low-priority thread;
    /// a failed run is logged and tried again at the next interval (nothing is lost: the
    /// messages stay in RAM and the log).
    private func compactOnSchedule() async {
        let every = store.configuration.compactionEverySeconds
        guard every > 0 else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(every))
            guard !Task.isCancelled else { return }
            do {
                if let added = try await store.compactHistory(now: .now()) {
                    logger.info(
                        "history compacted",
                        metadata: ["parley.history_file": "\(added.number)", "parley.conversations": "\(added.moves.count)"])
                }
            } catch {
                logger.error("history compaction failed; the messages stay in RAM", metadata: ["parley.error": "\(error)"])
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
                if let info = try await OffloadedWork.run(name: "parley-snapshot", { try store.takeSnapshot() }) {
                    schedule.taken(lsn: info.lsn, now: .now)
                }
            } catch {
                logger.error("scheduled snapshot failed", metadata: ["parley.error": "\(error)"])
                // Try again when the next interval or record count is reached, not every second.
                schedule.taken(lsn: store.appliedLSN, now: .now)
            }
        }
    }
}
