import NIOCore
public import ParleyRedis

/// Uploaded files' bytes shared by a cluster's nodes (docs/SCALING.md, "Files and other
/// node-local things"): the node that takes an upload stores the blob in Redis
/// (`<prefix>:blob:<sha256>`, `SET NX`: same bytes, same name) before the record that names it,
/// so any node can serve it; a node that lacks a blob fetches it once and keeps a copy in its own
/// blob store. Bounded by the upload limit (10 MiB a file); Redis holds every live file's bytes.
public final class ClusterBlobs: Sendable {
    public let client: RedisClient
    public let keys: RedisLog.Keys

    public init(client: RedisClient, keys: RedisLog.Keys) {
        self.client = client
        self.keys = keys
    }

    private func key(_ sha256: String) -> String { "\(keys.prefix):blob:\(sha256)" }

    /// Stores a blob's bytes (a blob already there is left as it is: the name is the content).
    public func put(_ sha256: String, bytes: [UInt8]) async throws {
        try await unavailableOnRedisFailure { try await client.send("SET", .text(key(sha256)), .bytes(ByteBuffer(bytes: bytes)), "NX") }
    }

    /// A blob's bytes, or `nil` when no node stored it.
    public func get(_ sha256: String) async throws -> [UInt8]? {
        try await unavailableOnRedisFailure { try await client.send("GET", .text(key(sha256))) }.bytes.map { Array($0.readableBytesView) }
    }

    /// Removes a blob no file names any more.
    public func remove(_ sha256: String) async throws {
        try await unavailableOnRedisFailure { try await client.send("DEL", .text(key(sha256))) }
    }
}
