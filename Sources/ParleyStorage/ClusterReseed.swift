import Crypto
public import Logging
import NIOCore
import ParleyLog
public import ParleyModel
public import ParleyRedis
import ParleySnapshot

/// `parley cluster reseed` (docs/SCALING.md, "Reseeding an empty Redis"): writes a stopped
/// node's newest snapshot back into a Redis that lost the cluster's data (its disk lost with no
/// replica, a restore from an older copy), so the nodes can start again without losing what
/// they had applied. The node's snapshot becomes the shared snapshot, and every decision the
/// `append` script makes from Redis's keys (LSN, `seq`s, ids, closed conversations, unique
/// names, recent client message ids and `Idempotency-Key`s) is written back from that state
/// (``ClusterSeed``).
///
/// It refuses while any node is live, when Redis's log reaches as far as the snapshot (nothing
/// is missing, or another node is further on: reseed from that one), and over a Redis that
/// still holds part of the log unless told to replace it. `parley:lsn` is written last, so a
/// reseed that stops half way leaves Redis looking empty and can simply run again.
public enum ClusterReseed {
    public struct Options: Sendable {
        /// Delete the cluster's keys first (a Redis restored from an older copy still holds part of the log).
        public var replace = false
        /// Other nodes' data directories to take file bytes from, when this node lacks them.
        public var blobSources: [String] = []
        /// Write the rest even when some files' bytes are nowhere to be found.
        public var allowMissingBlobs = false

        public init(replace: Bool = false, blobSources: [String] = [], allowMissingBlobs: Bool = false) {
            self.replace = replace
            self.blobSources = blobSources
            self.allowMissingBlobs = allowMissingBlobs
        }
    }

    /// What was written.
    public struct Report: Sendable, Encodable, Equatable {
        public var lsn: UInt64
        public var snapshot: String
        /// Conversations with messages (a `seq` written back).
        public var conversations: Int
        public var closedConversations: Int
        public var uniqueNames: Int
        public var clientMessageIDs: Int
        public var idempotencyKeys: Int
        public var blobsWritten: Int
        public var blobsMissing: [String]
        /// Keys deleted first (``Options/replace``).
        public var keysReplaced: Int
        /// Whether the token key was written back (from the node's copy, `cluster-jwt-secret`):
        /// without it the first node makes a new one and every session signs in again.
        public var tokenKeyRestored: Bool

        enum CodingKeys: String, CodingKey {
            case lsn, snapshot, conversations
            case closedConversations = "closed_conversations", uniqueNames = "unique_names", clientMessageIDs = "client_message_ids"
            case idempotencyKeys = "idempotency_keys", blobsWritten = "blobs_written", blobsMissing = "blobs_missing"
            case keysReplaced = "keys_replaced", tokenKeyRestored = "token_key_restored"
        }
    }

    /// Whether Redis may be reseeded, decided from what it holds: no I/O.
    public enum Decision: Sendable, Equatable {
        /// Go on; `wipe`: delete the cluster's keys first.
        case proceed(wipe: Bool)
        case refuse(String)
    }

    /// `redisLSN`: `<prefix>:lsn` (0 when absent); `streamEntries`: the stream's length;
    /// `snapshotLSN`: the node's newest snapshot; `liveNodes`: nodes that reported lately.
    public static func decide(redisLSN: UInt64, streamEntries: Int, snapshotLSN: UInt64, liveNodes: [String], replace: Bool) -> Decision {
        if snapshotLSN == 0 { return .refuse("this data directory holds no snapshot: there is nothing to reseed from") }
        if !liveNodes.isEmpty {
            return .refuse(
                "\(liveNodes.count) node(s) reported to this Redis within the last 30 s (\(liveNodes.sorted().joined(separator: ", "))): stop every node first")
        }
        if redisLSN >= snapshotLSN {
            return .refuse(
                "Redis's log reaches LSN \(redisLSN), at or past this node's snapshot at LSN \(snapshotLSN): nothing is missing from it (to start from a more advanced state, reseed from the node whose snapshot is newest)")
        }
        if redisLSN > 0 || streamEntries > 0 {
            return replace
                ? .proceed(wipe: true)
                : .refuse(
                    "Redis still holds the cluster's log up to LSN \(redisLSN), behind this node's snapshot at LSN \(snapshotLSN): give --replace to delete the cluster's keys and reseed")
        }
        return .proceed(wipe: false)
    }

    /// Reseeds the Redis of `cluster` from the newest snapshot in `storage`'s data directory,
    /// whose lock it holds meanwhile (the node must be stopped).
    public static func run(
        _ storage: StorageConfiguration, cluster: ClusterConfiguration, options: Options = Options(),
        logger: Logger = Logger(label: "parley.reseed")
    ) async throws -> Report {
        let fs = storage.fileSystem
        let lock = try DataDirectoryLock(directory: storage.dataDirectory)
        defer { withExtendedLifetime(lock) {} }
        let snapshots = SnapshotStore(directory: storage.snapshotDirectory, fileSystem: fs)
        let newest = try EventStore.loadNewestSnapshot(snapshots, logger: logger)
        let client = RedisClient(configuration: cluster.redis, logger: logger)
        do {
            let report = try await reseed(newest, storage: storage, cluster: cluster, client: client, options: options, logger: logger)
            await client.shutdown()
            return report
        } catch {
            await client.shutdown()
            throw error
        }
    }

    private static func reseed(
        _ newest: (state: ParleyState, loaded: SnapshotStore.Loaded?, skipped: [String]), storage: StorageConfiguration,
        cluster: ClusterConfiguration, client: RedisClient, options: Options, logger: Logger
    ) async throws -> Report {
        let fs = storage.fileSystem
        let snapshotLSN = newest.loaded?.header.lsn ?? 0
        let durability = try await RedisDurability.read(from: client)
        if !cluster.acceptsRelaxedDurability { try durability.check() }
        let keys = cluster.keys
        let log = RedisLog(client: client, keys: keys, dedupeWindow: cluster.dedupeWindow)
        let redisLSN = try await log.lastLSN()
        let streamEntries = Int(try await client.send("XLEN", .text(keys.log)).int ?? 0)
        let live = try await RedisNodeRegistry(client: client, keys: keys).liveNodes()
        let wipe: Bool
        switch decide(redisLSN: redisLSN, streamEntries: streamEntries, snapshotLSN: snapshotLSN, liveNodes: Array(live.keys), replace: options.replace) {
        case .refuse(let why): throw ClusterReseedError.refused(why)
        case .proceed(let replace): wipe = replace
        }
        guard let loaded = newest.loaded else { throw ClusterReseedError.refused("no snapshot") }
        let seed = ClusterSeed(state: newest.state, now: .now(), dedupeWindow: cluster.dedupeWindow)

        // File bytes first: missing ones refuse the whole reseed before anything is written.
        let blobs = ClusterBlobs(client: client, keys: keys)
        var found: [(String, [UInt8])] = []
        var missing: [String] = []
        for sha256 in seed.blobs {
            if let bytes = readBlob(sha256, from: [storage.dataDirectory] + options.blobSources, fileSystem: fs) {
                found.append((sha256, bytes))
            } else {
                missing.append(sha256)
            }
        }
        if !missing.isEmpty, !options.allowMissingBlobs {
            throw ClusterReseedError.refused(
                "\(missing.count) file(s) the state names have no bytes in this data directory or the --blobs-from ones (\(missing.prefix(3).joined(separator: ", "))…): add the other nodes' data directories with --blobs-from, or give --allow-missing-blobs")
        }
        let replaced = wipe ? try await deleteKeys(prefix: keys.prefix, client: client) : 0
        if !wipe {
            // An emptied stream keeps its last id; the script's first XADD must be allowed 0-<lsn + 1>.
            try await client.send("DEL", .text(keys.log))
        }
        for (sha256, bytes) in found { try await blobs.put(sha256, bytes: bytes) }
        try await write(seed, keys: keys, client: client, dedupeWindow: cluster.dedupeWindow)
        let tokenKey = try? fs.readFile(joinPath(storage.dataDirectory, ClusterSecret.copyFileName))
        if let tokenKey, tokenKey.count >= 32 {
            try await client.send("SET", .text(ClusterSecret.key(keys)), .bytes(ByteBuffer(bytes: tokenKey)))
        }
        try await RedisSharedSnapshot(client: client, keys: keys).replace(
            ByteBuffer(bytes: try fs.readFile(loaded.info.path)), lsn: seed.lsn)
        // Last: until this is written Redis looks empty, and a reseed that stopped half way runs again.
        try await client.send("SET", .text(keys.lsn), .integer(Int64(seed.lsn)))
        logger.notice("reseeded", metadata: ["parley.lsn": "\(seed.lsn)", "parley.snapshot": "\(loaded.info.fileName)"])
        return Report(
            lsn: seed.lsn, snapshot: loaded.info.fileName, conversations: seed.seqs.count, closedConversations: seed.closed.count,
            uniqueNames: seed.uniqueNames.count, clientMessageIDs: seed.clientMessageIDs.count, idempotencyKeys: seed.idempotencyClaims.count,
            blobsWritten: found.count, blobsMissing: missing, keysReplaced: replaced, tokenKeyRestored: (tokenKey?.count ?? 0) >= 32)
    }

    /// Raises a counter to at least a value (an id block a node reserved meanwhile stays above).
    static let raiseScript = RedisScript(
        """
        if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
        return 1
        """)

    private static func write(_ seed: ClusterSeed, keys: RedisLog.Keys, client: RedisClient, dedupeWindow: Duration) async throws {
        var commands: [RedisCommand] = []
        func hashSet(_ key: String, _ pairs: [(String, String)]) {
            for chunk in stride(from: 0, to: pairs.count, by: 512) {
                let fields = pairs[chunk..<min(chunk + 512, pairs.count)].flatMap { [RedisArgument.text($0.0), .text($0.1)] }
                commands.append(RedisCommand([.text("HSET"), .text(key)] + fields))
            }
        }
        let lsn = String(seed.lsn)
        hashSet(keys.unique, seed.uniqueNames.map { ($0, lsn) })
        hashSet(keys.seq, seed.seqs.sorted { $0.key < $1.key }.map { (String($0.key), String($0.value)) })
        hashSet(keys.closed, seed.closed.map { (String($0), lsn) })
        for (kind, highest) in seed.counters.sorted(by: { $0.key < $1.key }) where highest > 0 {
            commands.append(
                RedisCommand(["EVAL", .text(raiseScript.source), 1, .text("\(keys.prefix):ids:\(kind)"), .integer(Int64(highest))]))
        }
        for entry in seed.clientMessageIDs {
            commands.append(
                RedisCommand(
                    "SET", .text(keys.dedupe(conversation: entry.conversation, clientMessageID: entry.clientID)), .text("\(entry.seq):\(lsn)"),
                    "EX", .integer(entry.secondsLeft)))
        }
        for claim in seed.idempotencyClaims {
            commands.append(RedisCommand("SET", .text(keys.expiringClaim(claim.name)), .text(lsn), "PX", .integer(claim.millisecondsLeft)))
        }
        for chunk in stride(from: 0, to: commands.count, by: 256) {
            let replies = try await client.pipeline(Array(commands[chunk..<min(chunk + 256, commands.count)]))
            if let failed = replies.first(where: { if case .error = $0 { true } else { false } }) {
                throw RedisError.reply(failed.string ?? "\(failed)")
            }
        }
    }

    /// Deletes every key of the cluster (`<prefix>:*`); returns how many.
    private static func deleteKeys(prefix: String, client: RedisClient) async throws -> Int {
        var cursor = "0"
        var deleted = 0
        repeat {
            let reply = try await client.send("SCAN", .text(cursor), "MATCH", .text(globEscaped(prefix) + ":*"), "COUNT", 1000).array ?? []
            guard reply.count == 2, let next = reply[0].string else { throw RedisError.protocolError("SCAN answered \(reply)") }
            let names = reply[1].array?.compactMap(\.string) ?? []
            if !names.isEmpty {
                deleted += Int(try await client.send(RedisCommand([.text("UNLINK")] + names.map { .text($0) })).int ?? 0)
            }
            cursor = next
        } while cursor != "0"
        return deleted
    }

    /// `text` matched literally by `SCAN MATCH` (a prefix such as `eu*` must not reach another
    /// cluster's keys).
    public static func globEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\^-".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// A blob's bytes from the first data directory that has them whole (checked by SHA-256).
    private static func readBlob(_ sha256: String, from directories: [String], fileSystem: any FileSystem) -> [UInt8]? {
        for directory in directories {
            let path = BlobStore.path(sha256, dataDirectory: directory)
            guard fileSystem.fileExists(path), let bytes = try? fileSystem.readFile(path) else { continue }
            if Hex.encode(SHA256.hash(data: bytes)) == sha256 { return bytes }
        }
        return nil
    }
}

/// Why `parley cluster reseed` wrote nothing.
public enum ClusterReseedError: Error, Sendable, Equatable, CustomStringConvertible {
    case refused(String)

    public var description: String {
        switch self {
        case .refused(let why): "reseed refused: \(why)"
        }
    }
}
