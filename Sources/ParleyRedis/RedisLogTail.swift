import Synchronization

/// Follows the cluster log from a node's applied LSN: each ``read()`` waits (`XREAD BLOCK`) for
/// entries after the last one it returned and returns them, densely and once each
/// (``RedisLogCursor``). A blocking read holds its connection, so the tail has a client of its
/// own, whose command timeout must exceed the block time.
///
/// ```swift
/// let tail = RedisLogTail(client: RedisClient(configuration: configuration), after: snapshotLSN)
/// while true { for entry in try await tail.read() { apply(entry) } }
/// ```
public final class RedisLogTail: Sendable {
    public let client: RedisClient
    public let keys: RedisLog.Keys
    public let batch: Int
    public let block: Duration
    private let cursor: Mutex<RedisLogCursor>

    public init(client: RedisClient, keys: RedisLog.Keys = RedisLog.Keys(), after lsn: UInt64, batch: Int = 1000, block: Duration = .seconds(1)) {
        precondition(block < client.configuration.commandTimeout, "the tail's block time must be under its client's command timeout")
        self.client = client
        self.keys = keys
        self.batch = batch
        self.block = block
        cursor = Mutex(RedisLogCursor(applied: lsn))
    }

    /// The LSN of the last entry returned.
    public var applied: UInt64 { cursor.withLock { $0.applied } }

    /// The entries after the last one returned, waiting up to the block time for the first (none
    /// when nothing came). Throws ``RedisLogGap`` when the stream no longer holds the next entry.
    public func read() async throws -> [RedisLogEntry] {
        let after = applied
        let reply = try await client.send(
            "XREAD", "COUNT", .integer(Int64(batch)), "BLOCK", .integer(block.redisMilliseconds), "STREAMS", .text(keys.log), .text("0-\(after)"))
        // [[stream, [entry …]]], or null when the block time passed.
        guard let streams = reply.array, let stream = streams.first?.array, stream.count == 2, let items = stream[1].array else {
            guard reply.isNull else { throw RedisError.protocolError("XREAD answered \(reply)") }
            return try await checkedEmpty(after: after)
        }
        let entries = try items.map { try RedisLogEntry($0) }
        let step = cursor.withLock { cursor in cursor.take(entries) }
        switch step {
        case .apply(let fresh): return fresh
        case .gap(let expected, let found): throw RedisLogGap(expected: expected, found: found)
        }
    }

    /// Nothing came: fine, unless the stream was trimmed past the next entry while this node
    /// was away (an `XREAD` after a trimmed id returns only what is newer, so check).
    private func checkedEmpty(after: UInt64) async throws -> [RedisLogEntry] {
        let last = try await client.send("GET", .text(keys.lsn)).int.flatMap { UInt64(exactly: $0) } ?? 0
        guard last > after else { return [] }
        let first = try await client.send("XRANGE", .text(keys.log), "-", "+", "COUNT", "1")
        // An empty stream whose counter is past `after`: everything after it was trimmed.
        let oldest = try first.array?.first.map { try RedisLogEntry($0).lsn } ?? last + 1
        if oldest > after + 1 { throw RedisLogGap(expected: after + 1, found: oldest) }
        return []
    }
}

/// The cluster log no longer holds the entry a node needs next: it must load the shared snapshot.
public struct RedisLogGap: Error, Sendable, Equatable, CustomStringConvertible {
    public var expected: UInt64
    public var found: UInt64

    public init(expected: UInt64, found: UInt64) {
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "the cluster log continues at LSN \(found), not at \(expected): it was trimmed past this node; load the shared snapshot"
    }
}
