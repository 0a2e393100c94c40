/// How far the cluster log may be trimmed (docs/SCALING.md, "Trimming the stream"): never past
/// what the shared snapshot covers (a node that starts from it needs the entries after it), and
/// never past what a live node has applied (it would have to reload the snapshot). A node that
/// stopped reporting is not live and holds nothing back.
///
/// ```swift
/// TrimPlan(sharedSnapshotLSN: 900, liveNodes: ["a": 950, "b": 870]).trimBelow   // 871
/// ```
public struct TrimPlan: Sendable, Equatable {
    public var sharedSnapshotLSN: UInt64?
    public var liveNodes: [String: UInt64]

    public init(sharedSnapshotLSN: UInt64?, liveNodes: [String: UInt64]) {
        self.sharedSnapshotLSN = sharedSnapshotLSN
        self.liveNodes = liveNodes
    }

    /// Entries below this LSN may go (`XTRIM MINID 0-<it>`); `nil`: none may, there being no
    /// shared snapshot yet.
    public var trimBelow: UInt64? {
        guard let sharedSnapshotLSN else { return nil }
        let slowest = liveNodes.values.min() ?? sharedSnapshotLSN
        return min(sharedSnapshotLSN, slowest) + 1
    }
}
