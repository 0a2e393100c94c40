/// The nodes of a cluster and how far each has applied the log (docs/SCALING.md): each node
/// reports itself every few seconds; one that stops reporting for `lifetime` is no longer live.
/// Kept as a sorted set of node ids scored by their last report (milliseconds) and a hash of
/// their applied LSNs, so that the live ones are one range read, with no key scan.
///
/// ```swift
/// let registry = RedisNodeRegistry(client: client)
/// try await registry.report(node: "node-a", appliedLSN: 950)
/// try await registry.liveNodes()   // ["node-a": 950, …]
/// ```
public final class RedisNodeRegistry: Sendable {
    public let client: RedisClient
    public let keys: RedisLog.Keys
    public let lifetime: Duration

    public init(client: RedisClient, keys: RedisLog.Keys = RedisLog.Keys(), lifetime: Duration = .seconds(30)) {
        self.client = client
        self.keys = keys
        self.lifetime = lifetime
    }

    private var reports: String { keys.prefix + ":nodes" }
    private var applied: String { keys.prefix + ":nodes:applied" }

    /// Reports `node` alive, having applied the log through `appliedLSN`.
    public func report(node: String, appliedLSN: UInt64) async throws {
        let now = try await serverMilliseconds()
        let replies = try await client.pipeline([
            RedisCommand("ZADD", .text(reports), .integer(now), .text(node)),
            RedisCommand("HSET", .text(applied), .text(node), .integer(Int64(appliedLSN))),
        ])
        if let failed = replies.first(where: { if case .error = $0 { true } else { false } }) {
            throw RedisError.reply(failed.string ?? "\(failed)")
        }
    }

    /// The nodes that reported within the lifetime, with their applied LSNs; the others are
    /// removed.
    public func liveNodes() async throws -> [String: UInt64] {
        let oldest = try await serverMilliseconds() - lifetime.redisMilliseconds
        let stale = try await client.send("ZRANGEBYSCORE", .text(reports), "-inf", .text("(\(oldest)"))
        for node in stale.array?.compactMap(\.string) ?? [] { try await forget(node: node) }
        let live = try await client.send("ZRANGEBYSCORE", .text(reports), .integer(oldest), "+inf").array?.compactMap(\.string) ?? []
        guard !live.isEmpty else { return [:] }
        let lsns = try await client.send(RedisCommand([.text("HMGET"), .text(applied)] + live.map { .text($0) })).array ?? []
        var nodes: [String: UInt64] = [:]
        for (node, lsn) in zip(live, lsns) { nodes[node] = lsn.int.flatMap { UInt64(exactly: $0) } ?? 0 }
        return nodes
    }

    /// Removes `node` (a clean stop, or one found stale).
    public func forget(node: String) async throws {
        _ = try await client.pipeline([RedisCommand("ZREM", .text(reports), .text(node)), RedisCommand("HDEL", .text(applied), .text(node))])
    }

    /// Redis's clock, not the node's: nodes whose clocks disagree still agree on who is live.
    private func serverMilliseconds() async throws -> Int64 {
        let time = try await client.send("TIME").array ?? []
        guard time.count == 2, let seconds = time[0].int, let micros = time[1].int else {
            throw RedisError.protocolError("TIME answered \(time)")
        }
        return seconds * 1000 + micros / 1000
    }
}
