public import ParleyRedis
import Synchronization

/// Ids of sites, agents, visitors, token families, files, webhooks and knowledge documents on a
/// cluster node (docs/SCALING.md, "Who orders what"): each node reserves a block of ids per kind
/// with `INCRBY parley:ids:<kind> <block>` and hands them out from it, so most writes need no
/// extra round trip and no two nodes ever give out the same id. Ids grow per node, not in one
/// order across nodes (messages and conversations, whose order the API exposes, are numbered by
/// the `append` script instead). An id taken by a write that then fails is skipped, not reused.
///
/// ```swift
/// let ids = ClusterIDBlocks(client: client)
/// let site = SiteID(try await ids.next("site"))
/// ```
public final class ClusterIDBlocks: Sendable {
    public let client: RedisClient
    public let keys: RedisLog.Keys
    public let blockSize: UInt64
    private let blocks = Mutex<[String: Range<UInt64>]>([:])

    public init(client: RedisClient, keys: RedisLog.Keys = RedisLog.Keys(), blockSize: UInt64 = 64) {
        precondition(blockSize > 0)
        self.client = client
        self.keys = keys
        self.blockSize = blockSize
    }

    /// The Redis key counting `kind`'s reserved ids.
    public func key(_ kind: String) -> String { "\(keys.prefix):ids:\(kind)" }

    /// The next id of `kind` (`site`, `agent`, `file` …; never 0, never one another node has).
    public func next(_ kind: String) async throws -> UInt64 {
        precondition(kind != "message" && kind != "conversation", "the append script numbers messages and conversations")
        while true {
            if let id = take(kind) { return id }
            let reply = try await unavailableOnRedisFailure { try await client.send("INCRBY", .text(key(kind)), .integer(Int64(blockSize))) }
            guard let end = reply.int.flatMap({ UInt64(exactly: $0) }), end >= blockSize else {
                throw ClusterWriteError.unavailable("INCRBY answered \(reply)")
            }
            let block = (end - blockSize + 1)..<(end + 1)
            // Two callers may reserve at once: the first block in use is finished first, the other
            // waits in the table (no id is handed out twice; at worst a block's rest is skipped).
            blocks.withLock { table in
                if table[kind]?.isEmpty ?? true { table[kind] = block }
            }
        }
    }

    private func take(_ kind: String) -> UInt64? {
        blocks.withLock { table in
            guard let block = table[kind], let id = block.first else { return nil }
            table[kind] = (id + 1)..<block.upperBound
            return id
        }
    }
}
