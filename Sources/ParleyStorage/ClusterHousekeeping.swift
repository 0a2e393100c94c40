import Logging
import ParleyHistory
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
        /// The purge (an expiry or an erasure) whose bytes this step had Redis rewrite its
        /// append-only file without, if it did.
        public var scrubbedPurge: UInt64? = nil
        /// The LSN of the snapshot this node took of its own so that none older than a purge is kept.
        public var localScrubSnapshot: UInt64? = nil
    }

    public let node: String
    private let store: EventStore
    private let registry: RedisNodeRegistry
    private let shared: RedisSharedSnapshot
    private let log: RedisLog
    private let snapshotEveryRecords: UInt64
    private let retired: RetiredHistoryFiles

    init(store: EventStore, cluster: ClusterNode, snapshotEveryRecords: Int) {
        self.store = store
        node = cluster.name
        registry = RedisNodeRegistry(client: cluster.client, keys: cluster.keys)
        shared = RedisSharedSnapshot(client: cluster.client, keys: cluster.keys)
        log = RedisLog(client: cluster.client, keys: cluster.keys)
        self.snapshotEveryRecords = UInt64(max(1, snapshotEveryRecords))
        retired = cluster.retiredHistory
    }

    /// Report, share a snapshot when due, trim, scrub what a purge left.
    ///
    /// After a purge (a site's expiry or a visitor's erasure, docs/SCALING.md "Retention and
    /// erasure across nodes") the shared snapshot is written again at once (it held the purged
    /// bytes), the stream is trimmed past the purge as soon as every live node has applied it, and
    /// then Redis rewrites its append-only file (`BGREWRITEAOF`), whose older parts still hold the
    /// records; this node also takes a snapshot of its own if an older one is kept.
    @discardableResult
    public func step() async throws -> Report {
        var report = Report(sharedSnapshot: nil, trimmed: 0)
        let applied = store.appliedLSN
        let purge = store.read { $0.retention.lastPurgeLSN }
        try await registry.report(node: node, appliedLSN: applied)
        var sharedLSN = try await shared.lsn()
        // Due by size, after a purge (it held the purged bytes), and after a history file was
        // replaced (until then the nodes keep the old file for a node starting from it).
        let replaced = retired.newestLSN ?? 0
        if applied >= (sharedLSN ?? 0) + snapshotEveryRecords || purge > (sharedLSN ?? 0) || replaced > (sharedLSN ?? 0) {
            // Copied in O(1) under the state's lock; encoded and compressed outside it.
            let copy = store.read { $0 }
            let bytes = try await OffloadedWork.run(name: "shared-snapshot", priority: .idle) {
                try SnapshotStore.fileBytes(of: copy)
            }
            if try await shared.store(ByteBuffer(bytes: bytes), lsn: copy.appliedLSN, by: node) {
                report.sharedSnapshot = copy.appliedLSN
                sharedLSN = copy.appliedLSN
            }
        }
        let plan = TrimPlan(sharedSnapshotLSN: sharedLSN, liveNodes: try await registry.liveNodes())
        if let below = plan.trimBelow { report.trimmed = try await log.trim(below: below) }
        if purge > 0, let below = plan.trimBelow, below > purge, try await scrubbedPurge() < purge,
            try await rewriteAppendOnlyFile(after: purge)
        {
            report.scrubbedPurge = purge
        }
        report.localScrubSnapshot = try await store.scrubSnapshotsAndLog()
        try await unlinkRetiredHistoryFiles(sharedLSN: sharedLSN ?? 0)
        return report
    }

    /// Unlinks the history files replaced here once both a snapshot of this node's (taken when
    /// none is) and the shared snapshot cover the record that replaced them: a node that starts
    /// from an older one replays the record and needs the old file to write the new one (its
    /// own, or handed over by this node).
    private func unlinkRetiredHistoryFiles(sharedLSN: UInt64) async throws {
        guard let due = retired.newestLSN else { return }
        var local = try store.listSnapshots().map(\.lsn).max() ?? 0
        if local < due {
            let store = self.store
            local = try await OffloadedWork.run(name: "history-snap", priority: .idle) { try store.takeSnapshot() }?.lsn ?? local
        }
        for file in retired.take(through: min(local, sharedLSN)) { try? store.history.delete(file) }
    }

    private var scrubbedKey: String { "\(log.keys.prefix):scrubbed" }

    /// The newest purge whose bytes Redis's append-only file was rewritten without.
    private func scrubbedPurge() async throws -> UInt64 {
        try await log.client.send("GET", .text(scrubbedKey)).string.flatMap { UInt64($0) } ?? 0
    }

    /// `BGREWRITEAOF` (started now, or scheduled after a save under way: either way it begins
    /// after the trim), then notes the purge as scrubbed. A rewrite already under way may have
    /// begun before the trim: nothing is noted, and the next step asks again.
    private func rewriteAppendOnlyFile(after purge: UInt64) async throws -> Bool {
        do {
            try await log.client.send("BGREWRITEAOF")
        } catch let error as RedisError where "\(error)".contains("already in progress") {
            return false
        }
        try await log.client.send("SET", .text(scrubbedKey), .text("\(purge)"))
        return true
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
