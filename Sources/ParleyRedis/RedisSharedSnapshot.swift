public import NIOCore

/// The cluster's shared snapshot (docs/SCALING.md, "Catching up"): the bytes of a snapshot file,
/// as `parley snapshot create` writes them, with the LSN it covers, for a node whose own
/// snapshot is older than the trimmed log (or that has none). One node at a time writes it,
/// under a lock that expires on its own if that node dies; the bytes and the LSN change together.
///
/// ```swift
/// let shared = RedisSharedSnapshot(client: client)
/// if try await shared.store(bytes, lsn: 900, by: "node-a") { … }   // false: another node holds the lock
/// let (lsn, bytes) = try await shared.load()!
/// ```
public final class RedisSharedSnapshot: Sendable {
    public let client: RedisClient
    public let keys: RedisLog.Keys
    /// How long a writer may hold the lock.
    public let lockLifetime: Duration

    public init(client: RedisClient, keys: RedisLog.Keys = RedisLog.Keys(), lockLifetime: Duration = .seconds(60)) {
        self.client = client
        self.keys = keys
        self.lockLifetime = lockLifetime
    }

    private var bytesKey: String { keys.prefix + ":snapshot" }
    private var lsnKey: String { keys.prefix + ":snapshot:lsn" }
    private var lockKey: String { keys.prefix + ":snapshot:lock" }

    /// Stores `snapshot` (covering the log through `lsn`) unless another node holds the lock or a
    /// newer one is already stored; returns whether it was stored.
    public func store(_ snapshot: ByteBuffer, lsn: UInt64, by node: String) async throws -> Bool {
        let locked = try await client.send("SET", .text(lockKey), .text(node), "NX", "PX", .integer(lockLifetime.redisMilliseconds))
        guard locked == .simple("OK") else { return false }
        let stored = try await client.evalSHA(
            Self.storeScript, keys: [.text(bytesKey), .text(lsnKey), .text(lockKey)], arguments: [.bytes(snapshot), .integer(Int64(lsn)), .text(node)])
        return stored.int == 1
    }

    /// Writes the bytes and the LSN together, only while `node` still holds the lock and only
    /// over an older snapshot, then releases the lock.
    static let storeScript = RedisScript(
        """
        if redis.call('GET', KEYS[3]) ~= ARGV[3] then return 0 end
        redis.call('DEL', KEYS[3])
        local current = tonumber(redis.call('GET', KEYS[2]) or '0')
        if current >= tonumber(ARGV[2]) then return 0 end
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('SET', KEYS[2], ARGV[2])
        return 1
        """)

    /// Stores `snapshot` whatever is there, without the lock: for `parley cluster reseed`, which
    /// runs only while no node does.
    public func replace(_ snapshot: ByteBuffer, lsn: UInt64) async throws {
        let replies = try await client.pipeline([
            RedisCommand("DEL", .text(lockKey)), RedisCommand("SET", .text(bytesKey), .bytes(snapshot)),
            RedisCommand("SET", .text(lsnKey), .integer(Int64(lsn))),
        ])
        if let failed = replies.first(where: { if case .error = $0 { true } else { false } }) {
            throw RedisError.reply(failed.string ?? "\(failed)")
        }
    }

    /// The stored snapshot and its LSN, if any.
    public func load() async throws -> (lsn: UInt64, bytes: ByteBuffer)? {
        let replies = try await client.send("MGET", .text(lsnKey), .text(bytesKey)).array ?? []
        guard replies.count == 2, let lsn = replies[0].int.flatMap({ UInt64(exactly: $0) }), let bytes = replies[1].bytes else { return nil }
        return (lsn, bytes)
    }

    /// The LSN the stored snapshot covers, if any (without its bytes).
    public func lsn() async throws -> UInt64? {
        try await client.send("GET", .text(lsnKey)).int.flatMap { UInt64(exactly: $0) }
    }
}
