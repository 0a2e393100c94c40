public import Logging
import Metrics
public import ParleyHistory
public import ParleyLog
public import ParleyModel
public import ParleySnapshot
import ParleyRedis
import Synchronization

/// The durable store: the write-ahead log, the live state it builds, and the snapshots.
///
/// Start = the newest valid snapshot + replay of the log after its LSN. Writers call
/// ``append(_:)`` (synchronous, so a single writer's events keep their order) and then
/// ``waitUntilDurable(_:)``; when that returns the event is in the log under the fsync policy
/// *and* applied to the state. Readers see the state through ``read(_:)``.
///
/// ```swift
/// let store = try EventStore.open(StorageConfiguration(dataDirectory: "data"))
/// let lsn = try store.append(.siteCreated(site))
/// try await store.waitUntilDurable(lsn)
/// let name = store.read { $0.sites[site.id]?.name }
/// ```
public final class EventStore: Sendable {
    /// What a start found and did.
    public struct StartReport: Sendable {
        /// The snapshot the state was loaded from, if any.
        public var snapshot: SnapshotInfo?
        /// Newer snapshots that failed their checks and were passed over.
        public var skippedSnapshots: [String]
        public var replayedRecords: Int
        public var repair: RecordLog.Repair?
        /// What opening the history store removed (leftovers of an interrupted compaction).
        public var historyCleanup: HistoryStore.Cleanup
        public var appliedLSN: UInt64
        public var duration: Duration
    }

    public let configuration: StorageConfiguration
    public let startReport: StartReport
    /// The history files that hold conversations' cold messages (issue 16).
    public let history: HistoryStore
    private let backend: Backend
    private let applier: CommitApplier
    /// On a cluster node, what it shares with the others through Redis (its name, its client,
    /// id blocks, file bytes); `nil` on one node.
    public let cluster: ClusterNode?

    /// Where records are ordered and made durable.
    enum Backend: Sendable {
        /// This node's own write-ahead log.
        case local(RecordLog)
        /// The cluster's log in Redis (docs/SCALING.md).
        case cluster(ClusterLog)
    }
    private let snapshots: SnapshotStore
    private let lock: DataDirectoryLock?
    private let snapshotInProgress = Mutex(false)
    let compactionInProgress = Mutex(false)
    /// Per conversation with readable cold messages, when the oldest was written (retention's
    /// planning; see `EventStore+Maintenance.swift`).
    let oldestCold = Mutex<[ConversationID: OldestCold]>([:])

    struct OldestCold {
        var purgedThrough: UInt64
        var createdAt: Timestamp
    }
    private let logger: Logger
    private let snapshotTimer = Metrics.Timer(label: "parley_snapshot_seconds")
    private let snapshotBytes = Gauge(label: "parley_snapshot_bytes")

    init(
        configuration: StorageConfiguration, report: StartReport, history: HistoryStore, backend: Backend,
        applier: CommitApplier, snapshots: SnapshotStore, lock: DataDirectoryLock?, logger: Logger, cluster: ClusterNode? = nil
    ) {
        self.cluster = cluster
        self.configuration = configuration
        self.startReport = report
        self.history = history
        self.backend = backend
        self.applier = applier
        self.snapshots = snapshots
        self.lock = lock
        self.logger = logger
    }

    /// Opens the data directory: lock, load the newest valid snapshot, replay the log after it.
    ///
    /// `onFatalError` is called once if a log write or fsync fails; the server stops the process.
    public static func open(
        _ configuration: StorageConfiguration, logger: Logger = Logger(label: "parley.storage"),
        onFatalError: @escaping @Sendable (LogError) -> Void = { _ in }
    ) throws -> EventStore {
        let started = ContinuousClock.now
        let fs = configuration.fileSystem
        try fs.createDirectoryDurably(configuration.dataDirectory)
        let lock = configuration.usesLockFile ? try DataDirectoryLock(directory: configuration.dataDirectory) : nil
        try FsyncFailureMarker.check(dataDirectory: configuration.dataDirectory, fileSystem: fs, logger: logger)
        let snapshots = SnapshotStore(directory: configuration.snapshotDirectory, fileSystem: fs)

        let newest = try loadNewestSnapshot(snapshots, logger: logger)
        var state = newest.state
        let (loaded, skipped) = (newest.loaded, newest.skipped)
        let snapshotLSN = loaded?.header.lsn ?? 0

        // The log must reach the snapshot, checked before opening it: opening repairs a torn
        // tail, and a refusal must leave every file as it was (issue 15).
        if let bounds = try LogReader.bounds(directory: configuration.walDirectory, fileSystem: fs) {
            if bounds.nextLSN <= snapshotLSN {
                throw StorageError.missingRecords(
                    "the log ends at LSN \(bounds.nextLSN - 1), before the snapshot's LSN \(snapshotLSN); nothing was changed; restore from the snapshot (parley snapshot restore)")
            }
            if bounds.firstLSN > snapshotLSN + 1 {
                throw StorageError.missingRecords(
                    "the snapshot covers up to LSN \(snapshotLSN) but the log starts at LSN \(bounds.firstLSN); nothing was changed")
            }
        }
        let applier = CommitApplier(logger: logger)
        var replayError: (any Error)?
        // A long replay says how far it is, every few seconds, in the log (a short one says nothing).
        var position = LogScanProgress(directory: configuration.walDirectory, from: snapshotLSN + 1, fileSystem: fs)
        var meter = ProgressMeter(totalBytes: position.totalBytes, interval: configuration.replayProgressInterval)
        var replayed = 0
        let (log, logReport) = try RecordLog.open(
            RecordLog.Configuration(
                directory: configuration.walDirectory, fsync: configuration.fsync, commitDelay: configuration.commitDelay,
                segmentBytes: configuration.segmentBytes, fileSystem: fs, initialLSN: snapshotLSN + 1),
            logger: logger, replayFrom: snapshotLSN + 1, removingSegmentsBelow: snapshotLSN + 1,
            replay: { record in
                replayed += 1
                let bytes = position.bytesDone(through: record)
                if replayed & 1023 == 0, let reading = meter.update(records: replayed, bytes: bytes) {
                    logger.info("\(reading.line("replaying the log"))")
                }
                let decoded = try EventCodec.decodeRecord(type: record.type, payload: record.payload)
                do {
                    _ = try state.apply(decoded, lsn: record.lsn)
                } catch {
                    if replayError == nil { replayError = error }
                    logger.error("log record rejected during replay", metadata: ["parley.lsn": "\(record.lsn)", "parley.error": "\(error)"])
                }
            },
            onCommit: { records in applier.apply(records) },
            onFatalError: { [dataDirectory = configuration.dataDirectory] error in
                if error.isSyncFailure {
                    FsyncFailureMarker.write(dataDirectory: dataDirectory, error: error, fileSystem: fs, logger: logger)
                }
                onFatalError(error)
            })
        if logReport.nextLSN <= snapshotLSN {
            log.close()
            throw StorageError.missingRecords(
                "the log ends at LSN \(logReport.nextLSN - 1), before the snapshot's LSN \(snapshotLSN); restore from the snapshot (parley snapshot restore)")
        }
        if logReport.firstLSN > snapshotLSN + 1 {
            log.close()
            throw StorageError.missingRecords(
                "the snapshot covers up to LSN \(snapshotLSN) but the log starts at LSN \(logReport.firstLSN)")
        }
        // Directory entries a killed process made but had not synced yet (the data directory's
        // own entry, `wal/`, `snapshots/`, a renamed snapshot) become durable before serving.
        let directories = [configuration.snapshotDirectory, configuration.dataDirectory, parentDirectory(of: configuration.dataDirectory)]
        for directory in directories where fs.fileExists(directory) {
            try fs.syncDirectory(directory)
        }
        // The state names the live history files: what else is there a crash left behind.
        let history: HistoryStore
        let cleanup: HistoryStore.Cleanup
        do {
            (history, cleanup) = try HistoryStore.open(
                directory: configuration.historyDirectory, live: state.history.liveFiles, fileSystem: fs)
        } catch {
            log.close()
            throw error
        }
        if !(cleanup.temporary + cleanup.orphans).isEmpty {
            logger.info(
                "removed the files of an interrupted history compaction",
                metadata: ["parley.files": "\(cleanup.temporary + cleanup.orphans)"])
        }
        applier.install(state)
        let report = StartReport(
            snapshot: loaded?.info, skippedSnapshots: skipped, replayedRecords: logReport.replayedRecords,
            repair: logReport.repair, historyCleanup: cleanup, appliedLSN: state.appliedLSN,
            duration: ContinuousClock.now - started)
        logger.info(
            "store opened",
            metadata: [
                "parley.snapshot_lsn": "\(snapshotLSN)", "parley.replayed": "\(logReport.replayedRecords)",
                "parley.applied_lsn": "\(state.appliedLSN)", "parley.rejected_during_replay": "\(replayError.map { "\($0)" } ?? "none")",
            ])
        return EventStore(
            configuration: configuration, report: report, history: history, backend: .local(log), applier: applier,
            snapshots: snapshots, lock: lock, logger: logger)
    }

    /// The newest snapshot that reads back whole (the empty state when there is none, or when
    /// every one is damaged: the caller checks that what follows reaches back far enough).
    static func loadNewestSnapshot(
        _ snapshots: SnapshotStore, logger: Logger
    ) throws -> (state: ParleyState, loaded: SnapshotStore.Loaded?, skipped: [String]) {
        var decodedState: ParleyState?
        let loaded: SnapshotStore.Loaded?
        var skipped: [String] = []
        do {
            loaded = try snapshots.loadNewestValid { header, body in
                decodedState = try SnapshotStore.decodeState(header: header, body: body)
            }
            skipped = loaded?.skipped.map { "\($0.path): \($0.reason)" } ?? []
        } catch let error as AllSnapshotsDamaged {
            loaded = nil
            skipped = error.skipped.map { "\($0.path): \($0.reason)" }
        }
        for problem in skipped { logger.warning("passed over a damaged snapshot", metadata: ["parley.snapshot": "\(problem)"]) }
        return (decodedState ?? ParleyState(), loaded, skipped)
    }

    // MARK: Writing

    /// Whether this store is a cluster node's (docs/SCALING.md): the `append` script decides
    /// `seq`, message and conversation ids, and what ``append(_:)`` returns is a ticket, not an LSN.
    public var isClustered: Bool {
        if case .cluster = backend { true } else { false }
    }

    /// Queues an event for the log and returns its ticket: on one node its LSN, on a cluster node
    /// this node's counter of appends (the LSN is known once the script answered). Events appended
    /// by one caller keep their order. It is not yet durable: call ``waitUntilDurable(_:)`` or
    /// ``waitUntilCommitted(_:)``.
    ///
    /// The first event appended while an open ``IdempotencyClaim`` is bound to the task takes
    /// it: the two go into one record, durable together or not at all.
    ///
    /// `names` are further names only one record in a cluster may claim (``UniqueName``); the
    /// local log has no use for them (one node's engine reserves them itself).
    public func append(_ event: Event, claiming names: [UniqueName] = []) throws -> UInt64 {
        let bound = IdempotencyClaim.current
        let claim = bound?.take()
        switch backend {
        case .local(let log):
            let (type, payload) = claim.map { EventCodec.encode(event, claim: $0) } ?? EventCodec.encode(event)
            // A purge opens a segment of its own: every record before it can then be deleted
            // with whole segments (snapshots/FORMAT.md, "Retention and erasure").
            return try log.append(type: type, payload: payload, startingNewSegment: event.isPurge)
        case .cluster(let cluster):
            var record = RedisLogRecord(event: event, claim: claim)
            // An erased visitor's external id may be registered again.
            if case .visitorErased(let id, _, _) = event, let visitor = read({ $0.visitors[id] }) {
                record.releases = [RedisLogRecord.visitorClaim(site: visitor.siteID, externalID: visitor.externalID)]
            }
            record.claims += names.map(\.claim)
            let ticket = try cluster.append(record)
            if claim != nil, let bound {
                // Registered before the writer's own wait, so the claim knows first.
                cluster.whenCommitted(ticket) { outcome in
                    if case .failure(ClusterWriteError.idempotencyKeyTaken) = outcome { bound.heldElsewhere() }
                }
            }
            return ticket
        }
    }

    /// Returns once the event with ticket `ticket` is durable and applied to the state.
    public func waitUntilDurable(_ ticket: UInt64) async throws {
        switch backend {
        case .local(let log): try await log.waitUntilDurable(ticket)
        case .cluster(let cluster): _ = try await cluster.waitUntilCommitted(ticket)
        }
    }

    /// Returns once the event with ticket `ticket` is durable and applied, with where it landed
    /// (on a cluster node, what the `append` script decided for it).
    public func waitUntilCommitted(_ ticket: UInt64) async throws -> CommitPosition {
        switch backend {
        case .local(let log):
            try await log.waitUntilDurable(ticket)
            return CommitPosition(lsn: ticket)
        case .cluster(let cluster):
            return try await cluster.waitUntilCommitted(ticket)
        }
    }

    /// Calls `outcome` once the event with ticket `ticket` is durable and applied to the state,
    /// or could not be. On one node it runs on the log's flusher thread, on a cluster node on the
    /// task that follows the stream: it must be quick and never block.
    public func whenCommitted(_ ticket: UInt64, _ outcome: @escaping @Sendable (Result<CommitPosition, any Error>) -> Void) {
        switch backend {
        case .local(let log):
            log.whenDurable(ticket) { failure in outcome(failure.map { .failure($0) } ?? .success(CommitPosition(lsn: ticket))) }
        case .cluster(let cluster):
            cluster.whenCommitted(ticket, outcome)
        }
    }

    /// Appends and waits; returns the event's LSN. On a cluster node, throws
    /// ``ClusterWriteError/claimTaken(_:)`` when a unique name the event claims (an agent's
    /// login, a visitor's external id) is another record's.
    @discardableResult
    public func commit(_ event: Event, claiming names: [UniqueName] = []) async throws -> UInt64 {
        let position = try await waitUntilCommitted(try append(event, claiming: names))
        if let claim = position.takenClaim { throw ClusterWriteError.claimTaken(claim) }
        return position.lsn
    }

    /// Registers an observer of committed events (see ``CommitObserver``).
    public func addObserver(_ observer: any CommitObserver) { applier.addObserver(observer) }

    // MARK: Reading

    /// Reads the live state under its lock. Keep `body` short: commits wait for it.
    public func read<T>(_ body: (borrowing ParleyState) throws -> T) rethrows -> T {
        try applier.state.withLock { state in try body(state) }
    }

    /// The LSN of the newest applied record.
    public var appliedLSN: UInt64 { read { $0.appliedLSN } }

    /// The LSN the next record gets (on a cluster node: the next after the applied one).
    public var nextLSN: UInt64 {
        switch backend {
        case .local(let log): log.nextLSN
        case .cluster: appliedLSN + 1
        }
    }

    /// The log's running totals (records, batches, fsyncs); zeros on a cluster node.
    public var logStatistics: LogStatistics {
        switch backend {
        case .local(let log): log.statistics
        case .cluster: LogStatistics()
        }
    }

    // MARK: Snapshots

    /// Takes a snapshot of the live state while writes go on, keeps the newest
    /// `snapshotsToKeep` (at least two) that read back whole, and deletes log segments wholly
    /// below the oldest of those; throws when the new snapshot does not read back.
    /// Returns `nil` when another snapshot is already being taken.
    ///
    /// The state is copied under its lock in O(1) (copy-on-write), so the snapshot is exactly
    /// the state at its LSN; encoding, compression and I/O happen outside the lock.
    @discardableResult
    public func takeSnapshot() throws -> SnapshotInfo? {
        guard snapshotInProgress.claim() else { return nil }
        defer { snapshotInProgress.withLock { $0 = false } }
        let started = ContinuousClock.now
        let copy = applier.state.withLock { $0 }
        // Under `interval` or `none` the records behind the copy may be written but not yet
        // synced; the log must never end before a snapshot's LSN, so sync it first.
        // After a failed write nothing past the failure may be made to look durable.
        if case .local(let log) = backend {
            if let failure = log.failure { throw failure }
            try log.syncNow()
        }
        let info = try snapshots.write(copy)
        // Every snapshot kept is read back first (the new one included); the log is cut only
        // below the oldest verified one kept, and not at all while fewer are verified.
        // After a purge, older snapshots hold what it removed: they go once this one reads back.
        let pruned = try snapshots.prune(
            keep: configuration.snapshotsToKeep, of: try snapshots.list(), erasedBefore: copy.retention.lastPurgeLSN)
        if let oldest = pruned.oldestVerified, case .local(let log) = backend {
            try log.removeSegments(whollyBelow: oldest.lsn + 1)
        }
        if pruned.damaged.contains(info.path) {
            throw SnapshotError.damaged("the new snapshot \(info.fileName) did not read back; nothing older was deleted")
        }
        if !pruned.damaged.isEmpty {
            logger.warning("damaged snapshots are not counted as kept", metadata: ["parley.snapshots": "\(pruned.damaged)"])
        }
        let elapsed = ContinuousClock.now - started
        snapshotTimer.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        snapshotBytes.record(info.fileSize)
        logger.info(
            "snapshot written",
            metadata: ["parley.snapshot": "\(info.fileName)", "parley.bytes": "\(info.fileSize)", "parley.duration": "\(elapsed)"])
        return info
    }

    /// Every snapshot in the data directory, newest first.
    public func listSnapshots() throws -> [SnapshotInfo] { try snapshots.list() }

    /// Flushes and closes the log; appends afterwards fail. Call ``takeSnapshot()`` after it
    /// for a clean shutdown (the next start then replays nothing).
    public func close() {
        switch backend {
        case .local(let log): log.close()
        case .cluster(let cluster): cluster.close()
        }
    }
}
