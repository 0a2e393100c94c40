import NIOCore
public import ParleyRedis

/// The access-token signing key every node of a cluster shares (docs/SCALING.md, "Sessions and
/// resume"): made once by whichever node starts first (`SET … NX`), read by the others, so a
/// token one node issued is good on every node.
public enum ClusterSecret {
    /// The cluster's key under `keys` (32 random bytes), made now if no node made it yet.
    public static func loadOrCreate(client: RedisClient, keys: RedisLog.Keys) async throws -> [UInt8] {
        let key = "\(keys.prefix):jwt-secret"
        var generator = SystemRandomNumberGenerator()
        let candidate = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        try await client.send("SET", .text(key), .bytes(ByteBuffer(bytes: candidate)), "NX")
        guard let stored = try await client.send("GET", .text(key)).bytes, stored.readableBytes >= 32 else {
            throw RedisError.protocolError("the cluster's token key \(key) is missing or shorter than 32 bytes")
        }
        return Array(stored.readableBytesView)
    }
}
