import Foundation
import NIOCore
public import ParleyRedis

/// The access-token signing key every node of a cluster shares (docs/SCALING.md, "Sessions and
/// resume"): made once by whichever node starts first (`SET … NX`), read by the others, so a
/// token one node issued is good on every node. Each node keeps a copy in its data directory
/// (`cluster-jwt-secret`, mode 0600), which `parley cluster reseed` writes back into a Redis
/// that lost it, so sessions survive the loss.
public enum ClusterSecret {
    /// The copy's name in a node's data directory.
    public static let copyFileName = "cluster-jwt-secret"

    /// The Redis key of the cluster's token key.
    public static func key(_ keys: RedisLog.Keys) -> String { "\(keys.prefix):jwt-secret" }

    /// The cluster's key under `keys` (32 random bytes), made now if no node made it yet; kept
    /// in `dataDirectory` too when given.
    public static func loadOrCreate(client: RedisClient, keys: RedisLog.Keys, dataDirectory: String? = nil) async throws -> [UInt8] {
        let key = key(keys)
        var generator = SystemRandomNumberGenerator()
        let candidate = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        try await client.send("SET", .text(key), .bytes(ByteBuffer(bytes: candidate)), "NX")
        guard let stored = try await client.send("GET", .text(key)).bytes, stored.readableBytes >= 32 else {
            throw RedisError.protocolError("the cluster's token key \(key) is missing or shorter than 32 bytes")
        }
        let secret = Array(stored.readableBytesView)
        if let dataDirectory {
            let path = (dataDirectory as NSString).appendingPathComponent(copyFileName)
            if FileManager.default.contents(atPath: path).map(Array.init) != secret {
                try? FileManager.default.removeItem(atPath: path)
                try SecretFile.create(Data(secret), at: path, in: dataDirectory)
            }
        }
        return secret
    }
}
