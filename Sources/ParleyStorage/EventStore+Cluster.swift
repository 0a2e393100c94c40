import Foundation
public import Logging
import ParleyHistory
import ParleyLog
import Synchronization
import ParleyModel
public import ParleyRedis
import NIOCore
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
            // Registered before catching up: the stream is not trimmed past this node meanwhile.
            let node = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 1...UInt32.max))"
            let registry = RedisNodeRegistry(client: writer, keys: cluster.keys)
            try await registry.report(node: node, appliedLSN: snapshotLSN)
            var state = newest.state
            var start = snapshotLSN
            let first = try await log.firstLSN()
            if last > start, (first ?? last + 1) > start + 1 {
                // Trimmed past this node's snapshot (or the node is new): start from the shared one.
                guard let shared = try await RedisSharedSnapshot(client: writer, keys: cluster.keys).load(), shared.lsn > start,
                    shared.lsn + 1 >= (first ?? last + 1)
                else {
                    throw StorageError.missingRecords(
                        "the cluster log starts at LSN \(first ?? last + 1), after this node's snapshot at LSN \(snapshotLSN), and the shared snapshot does not reach it")
                }
                state = try SnapshotStore.decodeState(fileBytes: Array(shared.bytes.readableBytesView))
                start = shared.lsn
                try await registry.report(node: node, appliedLSN: start)
                logger.info("starting from the cluster's shared snapshot", metadata: ["parley.snapshot_lsn": "\(start)"])
            }
            let clusterNode = ClusterNode(name: node, client: writer, keys: cluster.keys, logger: logger)
            // Files the state names that this node lacks (it started from the shared snapshot)
            // come from the other nodes.
            try await clusterNode.historyFiles.fetch(state.history.liveFiles, into: configuration.historyDirectory, fileSystem: fs)
            let (history, cleanup) = try HistoryStore.open(
                directory: configuration.historyDirectory, live: state.history.liveFiles, fileSystem: fs)
            let applier = CommitApplier(logger: logger)
            applier.install(state)
            let follower = ClusterFollower(
                tail: RedisLogTail(client: reader, keys: cluster.keys, after: start, block: .seconds(1)), applier: applier,
                history: history, retired: clusterNode.retiredHistory)
            let fatalStop = FatalStopSnapshot(logger: logger)
            let clusterLog = ClusterLog(
                log: log, follower: follower,
                configuration: .init(replicas: cluster.replicas ?? durability.connectedReplicas), logger: logger,
                onFatalError: { reason in
                    // What it applied stays on its disk, and it no longer holds the stream's trim
                    // back or counts as live (`parley cluster reseed` waits for no live node).
                    fatalStop.take()
                    try? await registry.forget(node: node)
                    onFatalError(reason)
                })
            try await clusterLog.catchUp(to: last)
            clusterLog.start()
            let applied = applier.state.withLock { $0.appliedLSN }
            let report = StartReport(
                snapshot: start == snapshotLSN ? newest.loaded?.info : nil, skippedSnapshots: newest.skipped,
                replayedRecords: Int(applied - start),
                repair: nil, historyCleanup: cleanup, appliedLSN: applied, duration: ContinuousClock.now - started)
            logger.info(
                "cluster node caught up",
                metadata: [
                    "parley.redis": "\(cluster.redis.host):\(cluster.redis.port)", "parley.snapshot_lsn": "\(snapshotLSN)",
                    "parley.applied_lsn": "\(applied)", "parley.replicas": "\(cluster.replicas ?? durability.connectedReplicas)",
                ])
            let store = EventStore(
                configuration: configuration, report: report, history: history, backend: .cluster(clusterLog), applier: applier,
                snapshots: snapshots, lock: lock, logger: logger, cluster: clusterNode)
            fatalStop.watch(store)
            return store
        } catch {
            await writer.shutdown()
            await reader.shutdown()
            throw error
        }
    }
}
