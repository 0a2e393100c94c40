public import Logging
import ParleyHistory
import ParleyLog
import Synchronization
import ParleyModel
public import ParleyRedis
import ParleySnapshot

/// What a node needs to join a cluster (`parley serve --redis`, docs/SCALING.md).
public struct ClusterConfiguration: Sendable {
    public var redis: RedisConfiguration
    /// The keys' prefix: clusters with different prefixes share one Redis without meeting.
    public var keys: RedisLog.Keys
    /// How long a client message id is remembered across the cluster.
    public var dedupeWindow: Duration
    /// Whether to accept a Redis that acknowledges before its disk has the write (tests only).
    public var acceptsRelaxedDurability: Bool
    /// Replicas that must acknowledge a write before it is acknowledged (`WAIT`); `nil`: every
    /// replica connected when the node starts.
    public var replicas: Int?

    public init(
        redis: RedisConfiguration, keys: RedisLog.Keys = RedisLog.Keys(), dedupeWindow: Duration = .seconds(86_400),
        acceptsRelaxedDurability: Bool = false, replicas: Int? = nil
    ) {
        self.redis = redis
        self.keys = keys
        self.dedupeWindow = dedupeWindow
        self.acceptsRelaxedDurability = acceptsRelaxedDurability
        self.replicas = replicas
    }
}

extension EventStore {
    /// Opens a cluster node's store: lock the data directory, load its newest snapshot (LSN S),
    /// check that Redis keeps what it acknowledges, apply the cluster log from S + 1 to its end as
    /// it is now, then follow it and send this node's writes to the `append` script.
    ///
    /// `onFatalError` is called once when the node can no longer follow the log (a gap, an entry
    /// it cannot decode): the server stops the process.
    public static func openCluster(
        _ configuration: StorageConfiguration, cluster: ClusterConfiguration, logger: Logger = Logger(label: "parley.storage"),
        onFatalError: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> EventStore {
        let started = ContinuousClock.now
        let fs = configuration.fileSystem
        try fs.createDirectoryDurably(configuration.dataDirectory)
        let lock = configuration.usesLockFile ? try DataDirectoryLock(directory: configuration.dataDirectory) : nil
        let snapshots = SnapshotStore(directory: configuration.snapshotDirectory, fileSystem: fs)
        let newest = try loadNewestSnapshot(snapshots, logger: logger)
        let snapshotLSN = newest.loaded?.header.lsn ?? 0

        let writer = RedisClient(configuration: cluster.redis, logger: logger)
        var tailConfiguration = cluster.redis
        tailConfiguration.commandTimeout = max(cluster.redis.commandTimeout, .seconds(3))
        let reader = RedisClient(configuration: tailConfiguration, logger: logger)
        do {
            let durability = try await RedisDurability.read(from: writer)
            if !cluster.acceptsRelaxedDurability { try durability.check() }
            let log = RedisLog(client: writer, keys: cluster.keys, dedupeWindow: cluster.dedupeWindow)
            let last = try await log.lastLSN()
            if snapshotLSN > last {
                throw StorageError.missingRecords(
                    "this node's snapshot is at LSN \(snapshotLSN) but the cluster log ends at LSN \(last): it belongs to another cluster (or Redis lost its data); start the node with an empty data directory")
            }
            if last > snapshotLSN, let first = try await log.firstLSN(), first > snapshotLSN + 1 {
                throw StorageError.missingRecords(
                    "the cluster log starts at LSN \(first), after this node's snapshot at LSN \(snapshotLSN): it was trimmed past this node (starting from the shared snapshot is not built yet)")
            }
            let (history, cleanup) = try HistoryStore.open(
                directory: configuration.historyDirectory, live: newest.state.history.liveFiles, fileSystem: fs)
            let applier = CommitApplier(logger: logger)
            applier.install(newest.state)
            let follower = ClusterFollower(
                tail: RedisLogTail(client: reader, keys: cluster.keys, after: snapshotLSN, block: .seconds(1)), applier: applier)
            let clusterLog = ClusterLog(
                log: log, follower: follower,
                configuration: .init(replicas: cluster.replicas ?? durability.connectedReplicas), logger: logger,
                onFatalError: onFatalError)
            try await clusterLog.catchUp(to: last)
            clusterLog.start()
            let applied = applier.state.withLock { $0.appliedLSN }
            let report = StartReport(
                snapshot: newest.loaded?.info, skippedSnapshots: newest.skipped, replayedRecords: Int(applied - snapshotLSN),
                repair: nil, historyCleanup: cleanup, appliedLSN: applied, duration: ContinuousClock.now - started)
            logger.info(
                "cluster node caught up",
                metadata: [
                    "parley.redis": "\(cluster.redis.host):\(cluster.redis.port)", "parley.snapshot_lsn": "\(snapshotLSN)",
                    "parley.applied_lsn": "\(applied)", "parley.replicas": "\(cluster.replicas ?? durability.connectedReplicas)",
                ])
            return EventStore(
                configuration: configuration, report: report, history: history, backend: .cluster(clusterLog), applier: applier,
                snapshots: snapshots, lock: lock, logger: logger, clusterIDs: ClusterIDBlocks(client: writer, keys: cluster.keys))
        } catch {
            await writer.shutdown()
            await reader.shutdown()
            throw error
        }
    }
}
