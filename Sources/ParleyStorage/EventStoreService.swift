public import Logging
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
        store.close()
        do {
            let store = self.store
            let info = try await OffloadedWork.run(name: "parley-final-snapshot") { try store.takeSnapshot() }
            logger.info("final snapshot written", metadata: ["parley.lsn": "\(info?.lsn ?? 0)"])
        } catch {
            logger.error("final snapshot failed; the log keeps everything", metadata: ["parley.error": "\(error)"])
        }
    }
}
