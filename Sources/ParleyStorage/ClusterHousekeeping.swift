import Logging
import NIOCore
import ParleyModel
import ParleyRedis
import ParleySnapshot

/// What every node of a cluster does every few seconds (docs/SCALING.md, "Trimming the stream"):
/// reports how far it has applied the log (``RedisNodeRegistry``); when the log has grown by
/// `snapshotEveryRecords` past the shared snapshot, writes its state as the new shared snapshot
/// (one node at a time, under the snapshot's lock); and trims the stream below what the shared
/// snapshot and every live node still need (``TrimPlan``). Each step is safe on any node at any
/// time: the lock, the "never older over newer" rule and the plan make the nodes agree.
public final class ClusterHousekeeping: Sendable {
    /// What one ``step()`` did.
    public struct Report: Sendable, Equatable {
        /// The LSN of the shared snapshot this node wrote, if it wrote one.
        public var sharedSnapshot: UInt64?
        /// Entries removed from the stream.
        public var trimmed: Int
    }

    public let node: String
    private let store: EventStore
    private let registry: RedisNodeRegistry
    private let shared: RedisSharedSnapshot
    private let log: RedisLog
    private let snapshotEveryRecords: UInt64

    init(store: EventStore, cluster: ClusterNode, snapshotEveryRecords: Int) {
        self.store = store
        node = cluster.name
        registry = RedisNodeRegistry(client: cluster.client, keys: cluster.keys)
        shared = RedisSharedSnapshot(client: cluster.client, keys: cluster.keys)
        log = RedisLog(client: cluster.client, keys: cluster.keys)
        self.snapshotEveryRecords = UInt64(max(1, snapshotEveryRecords))
    }

    /// Report, share a snapshot when due, trim.
    @discardableResult
    public func step() async throws -> Report {
        var report = Report(sharedSnapshot: nil, trimmed: 0)
        let applied = store.appliedLSN
        try await registry.report(node: node, appliedLSN: applied)
        var sharedLSN = try await shared.lsn()
        if applied >= (sharedLSN ?? 0) + snapshotEveryRecords {
            // Copied in O(1) under the state's lock; encoded and compressed outside it.
            let copy = store.read { $0 }
            let bytes = try await OffloadedWork.run(name: "parley-shared-snapshot", lowPriority: true) {
                try SnapshotStore.fileBytes(of: copy)
            }
            if try await shared.store(ByteBuffer(bytes: bytes), lsn: copy.appliedLSN, by: node) {
                report.sharedSnapshot = copy.appliedLSN
                sharedLSN = copy.appliedLSN
            }
        }
        let plan = TrimPlan(sharedSnapshotLSN: sharedLSN, liveNodes: try await registry.liveNodes())
        if let below = plan.trimBelow { report.trimmed = try await log.trim(below: below) }
        return report
    }

    /// Leaves the registry (a clean stop): the stream no longer waits for this node.
    public func leave() async {
        try? await registry.forget(node: node)
    }
}

extension EventStore {
    /// A cluster node's housekeeping (`nil` on one node), sharing a snapshot every
    /// `snapshotEveryRecords` records.
    public func clusterHousekeeping(snapshotEveryRecords: Int) -> ClusterHousekeeping? {
        cluster.map { ClusterHousekeeping(store: self, cluster: $0, snapshotEveryRecords: snapshotEveryRecords) }
    }
}
