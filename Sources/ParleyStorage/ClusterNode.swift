import Logging
public import ParleyRedis

/// What a store on a cluster node shares with the other nodes through Redis (docs/SCALING.md):
/// this node's name, the client and key prefix of its writes, and what hangs off them (id blocks,
/// shared file bytes). `nil` on one node (``EventStore/cluster``).
public struct ClusterNode: Sendable {
    /// This node's name in the cluster (host, process, a random part): in the node registry,
    /// claims and ephemeral signals.
    public let name: String
    /// The client of this node's writes (the `append` script's pipelines, ids, claims, blobs).
    public let client: RedisClient
    public let keys: RedisLog.Keys
    /// Blocks of ids for the kinds the `append` script does not number.
    public let ids: ClusterIDBlocks
    /// Uploaded files' bytes.
    public let blobs: ClusterBlobs
    /// History files handed between nodes.
    let historyFiles: ClusterHistoryTransfer
    /// History files replaced here, kept until a snapshot covers their record.
    let retiredHistory = RetiredHistoryFiles()

    init(name: String, client: RedisClient, keys: RedisLog.Keys, logger: Logger) {
        self.name = name
        self.client = client
        self.keys = keys
        ids = ClusterIDBlocks(client: client, keys: keys)
        blobs = ClusterBlobs(client: client, keys: keys)
        historyFiles = ClusterHistoryTransfer(client: client, keys: keys, node: name, logger: logger)
    }
}
