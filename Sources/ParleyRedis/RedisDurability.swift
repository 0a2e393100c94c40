/// What Redis promises about an acknowledged write (docs/SCALING.md, "Durability"), read from the
/// server itself: a node refuses to join a cluster whose Redis would acknowledge what a crash
/// can take back, unless told that this is acceptable (tests, demos).
///
/// ```swift
/// let durability = try await RedisDurability.read(from: client)
/// try durability.check()   // throws unless AOF with appendfsync always
/// ```
public struct RedisDurability: Sendable, Equatable {
    public var appendOnly: Bool
    public var appendFsync: String
    /// Replicas connected to this server now.
    public var connectedReplicas: Int
    /// Whether this server is a primary (a replica refuses writes).
    public var isPrimary: Bool

    public init(appendOnly: Bool, appendFsync: String, connectedReplicas: Int, isPrimary: Bool) {
        self.appendOnly = appendOnly
        self.appendFsync = appendFsync
        self.connectedReplicas = connectedReplicas
        self.isPrimary = isPrimary
    }

    /// Whether a reply means the write is on this server's disk.
    public var acknowledgesOnlyWhatIsOnDisk: Bool { appendOnly && appendFsync == "always" }

    /// Throws ``RedisDurabilityError`` unless a reply means "on disk" and the server takes writes.
    public func check() throws(RedisDurabilityError) {
        guard isPrimary else { throw RedisDurabilityError("the Redis server is a replica; point --redis at the primary") }
        guard acknowledgesOnlyWhatIsOnDisk else {
            throw RedisDurabilityError(
                "the Redis server acknowledges writes before they are on disk (appendonly \(appendOnly ? "yes" : "no"), appendfsync \(appendFsync)); set appendonly yes and appendfsync always, or accept the risk with --redis-durability relaxed")
        }
    }

    /// Reads the settings from a running server (`CONFIG GET`, `INFO replication`).
    public static func read(from client: RedisClient) async throws -> RedisDurability {
        let replies = try await client.pipeline([
            RedisCommand("CONFIG", "GET", "appendonly"), RedisCommand("CONFIG", "GET", "appendfsync"), RedisCommand("INFO", "replication"),
        ])
        guard replies.count == 3, let appendOnly = replies[0].array?.last?.string, let fsync = replies[1].array?.last?.string,
            let info = replies[2].string
        else { throw RedisError.protocolError("CONFIG GET / INFO answered \(replies)") }
        var fields: [Substring: Substring] = [:]
        for line in info.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return RedisDurability(
            appendOnly: appendOnly == "yes", appendFsync: fsync, connectedReplicas: fields["connected_slaves"].flatMap { Int($0) } ?? 0,
            isPrimary: fields["role"] == "master")
    }
}

public struct RedisDurabilityError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension RedisClient {
    /// `WAIT replicas timeout`: returns how many replicas have every write this connection sent
    /// so far (fewer than `replicas` when the timeout passed first).
    public func waitForReplicas(_ replicas: Int, timeout: Duration) async throws -> Int {
        Int(try await send("WAIT", .integer(Int64(replicas)), .integer(timeout.redisMilliseconds)).int ?? 0)
    }
}
