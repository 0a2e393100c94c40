import Synchronization

/// One kind's ids, in order, never reused: on one node a counter above the highest id the state
/// has seen; on a cluster node blocks reserved in Redis (``ClusterIDBlocks``), so no two nodes
/// give out the same id. An id taken by a write that then fails is skipped, not reused.
///
/// ```swift
/// let files = IDCounter("file", after: state.files.watermark, cluster: store.cluster)
/// let id = FileID(try await files.next())
/// ```
public final class IDCounter: Sendable {
    /// The kind's name in Redis (`parley:ids:<kind>`).
    public let kind: String
    private let local: Atomic<UInt64>
    private let cluster: ClusterIDBlocks?

    public init(_ kind: String, after watermark: UInt64, cluster: ClusterNode?) {
        self.kind = kind
        local = Atomic(watermark)
        self.cluster = cluster?.ids
    }

    public func next() async throws -> UInt64 {
        guard let cluster else { return local.add(1, ordering: .relaxed).newValue }
        return try await cluster.next(kind)
    }
}
