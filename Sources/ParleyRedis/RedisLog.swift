public import NIOCore

/// The cluster's write-ahead log in Redis (docs/SCALING.md): one stream whose entry ids are
/// `0-<LSN>`, appended only through the `append` script, which decides in one atomic step what
/// must be decided once for the whole cluster: the LSN, a message's `seq` and id, a repeated
/// client message id, a closed conversation.
///
/// ```swift
/// let log = RedisLog(client: client)
/// let outcome = try await log.append(RedisLogRecord(type: 3, payload: bytes, conversation: 12, kind: .message(clientMessageID: "c-1")))
/// let entries = try await log.entries(after: 0, count: 1000)
/// ```
public final class RedisLog: Sendable {
    public let client: RedisClient
    public let keys: Keys
    /// How long a client message id is remembered for deduplication.
    public let dedupeWindow: Duration

    /// The keys of one cluster (a prefix, `parley` by default, keeps clusters apart in one Redis).
    public struct Keys: Sendable, Equatable {
        public let prefix: String
        public var lsn: String { prefix + ":lsn" }
        public var log: String { prefix + ":log" }
        public var seq: String { prefix + ":seq" }
        public var closed: String { prefix + ":closed" }
        public var messageIDs: String { prefix + ":ids:message" }
        public var conversationIDs: String { prefix + ":ids:conversation" }
        /// Unique names and the LSN of the record that holds each.
        public var unique: String { prefix + ":unique" }
        /// The key of an expiring unique name (``RedisLogRecord/expiringClaims``).
        public func expiringClaim(_ name: String) -> String { "\(prefix):claim:\(name)" }
        public func dedupe(conversation: UInt64, clientMessageID: String) -> String {
            "\(prefix):cmid:\(conversation):\(clientMessageID)"
        }

        public init(prefix: String = "parley") { self.prefix = prefix }
    }

    public init(client: RedisClient, keys: Keys = Keys(), dedupeWindow: Duration = .seconds(86_400)) {
        self.client = client
        self.keys = keys
        self.dedupeWindow = dedupeWindow
    }

    /// The `append` script. KEYS: the LSN counter, the stream, the `seq` hash, the closed hash, the
    /// message id counter, the dedupe key (any name when there is no client message id), the
    /// conversation id counter, the unique names' hash, then one key per expiring claim. ARGV:
    /// type, payload, conversation, kind (`p` plain, `m` message, `M` message with a client id,
    /// `c` closes, `o` opens), dedupe window in seconds, the number of claims and the claims, the
    /// number of releases and the releases, the expiring claims' lifetime in milliseconds and
    /// their names (in the order of their keys), and last the LSN the sending node has applied
    /// (0: unknown): a log that ends before it went back (Redis lost acknowledged records) and
    /// takes nothing, answering `BEHIND`, so a node never appends at LSNs the other nodes skip.
    /// Numbers are formatted with `%d`: Lua 5.1 would write a number over 14 digits as `1.2e+14`.
    static let appendScript = RedisScript(
        """
        local applied = tonumber(ARGV[#ARGV])
        if applied > 0 and tonumber(redis.call('GET', KEYS[1]) or '0') < applied then
          return redis.error_reply('BEHIND the log ends before LSN ' .. ARGV[#ARGV] .. ', which the sender applied')
        end
        local kind = ARGV[4]
        local conversation = ARGV[3]
        local seq, id = 0, 0
        if kind == 'm' or kind == 'M' then
          if redis.call('HEXISTS', KEYS[4], conversation) == 1 then
            return redis.error_reply('CLOSED conversation is closed')
          end
          if kind == 'M' then
            local earlier = redis.call('GET', KEYS[6])
            if earlier then
              local s, l = string.match(earlier, '^(%d+):(%d+)$')
              return {'repeated', tonumber(s), tonumber(l)}
            end
          end
        end
        local claims = tonumber(ARGV[6])
        for i = 1, claims do
          local held = redis.call('HGET', KEYS[8], ARGV[6 + i])
          if held then return {'taken', tonumber(held), ARGV[6 + i]} end
        end
        local releases = tonumber(ARGV[7 + claims])
        local lifetime = 8 + claims + releases
        for i = 9, #KEYS do
          local held = redis.call('GET', KEYS[i])
          if held then return {'held', tonumber(held), ARGV[lifetime + i - 8]} end
        end
        local lsn = redis.call('INCR', KEYS[1])
        local lsnText = string.format('%d', lsn)
        for i = 1, claims do redis.call('HSET', KEYS[8], ARGV[6 + i], lsnText) end
        for i = 1, releases do redis.call('HDEL', KEYS[8], ARGV[7 + claims + i]) end
        for i = 9, #KEYS do redis.call('SET', KEYS[i], lsnText, 'PX', ARGV[lifetime]) end
        if kind == 'm' or kind == 'M' then
          seq = redis.call('HINCRBY', KEYS[3], conversation, 1)
          id = redis.call('INCR', KEYS[5])
          if kind == 'M' then
            redis.call('SET', KEYS[6], string.format('%d:%d', seq, lsn), 'EX', ARGV[5])
          end
        elseif kind == 'c' then
          redis.call('HSET', KEYS[4], conversation, lsnText)
        elseif kind == 'o' then
          id = redis.call('INCR', KEYS[7])
        end
        redis.call('XADD', KEYS[2], '0-' .. lsnText, 't', ARGV[1], 'p', ARGV[2], 's', string.format('%d', seq), 'i', string.format('%d', id))
        return {'appended', lsn, seq, id}
        """)

    /// Appends `record`; returns once Redis answered (durable on Redis's disk under
    /// `appendfsync always`). A message to a closed conversation throws ``RedisLogError/closed``.
    /// `appliedLSN`: what the caller applied from the log (0: nothing to check).
    public func append(_ record: RedisLogRecord, appliedLSN: UInt64 = 0) async throws -> RedisAppendOutcome {
        let command = appendCommand(record, appliedLSN: appliedLSN)
        do {
            return try Self.outcome(of: try await client.evalSHA(Self.appendScript, keys: command.keys, arguments: command.arguments))
        } catch let error as RedisError where error.replyCode == "CLOSED" {
            throw RedisLogError.closed
        } catch let error as RedisError where error.replyCode == "BEHIND" {
            throw RedisLogError.behind
        }
    }

    /// The `EVALSHA` of `record`, for a pipeline of appends (a node's ``ClusterLog`` sends its
    /// queued records in one write, after a `SCRIPT LOAD` of ``appendScript``), refused with
    /// ``RedisLogError/behind`` when the log ends before `appliedLSN`.
    public func appendCall(_ record: RedisLogRecord, appliedLSN: UInt64 = 0) -> RedisCommand {
        let command = appendCommand(record, appliedLSN: appliedLSN)
        return RedisCommand(
            ["EVALSHA", .text(Self.appendScript.sha1), .integer(Int64(command.keys.count))] + command.keys + command.arguments)
    }

    /// `SCRIPT LOAD` of the append script: sent first in each pipeline, so a Redis that restarted
    /// (and lost its script cache) runs the pipeline's calls in order, none answered `NOSCRIPT`.
    public var loadAppendScript: RedisCommand { RedisCommand(["SCRIPT", "LOAD", .text(Self.appendScript.source)]) }

    private func appendCommand(_ record: RedisLogRecord, appliedLSN: UInt64) -> (keys: [RedisArgument], arguments: [RedisArgument]) {
        let conversation = record.conversation ?? 0
        let (kind, dedupeKey): (String, String) =
            switch record.kind {
            case .plain: ("p", keys.lsn)
            case .closesConversation: ("c", keys.lsn)
            case .opensConversation: ("o", keys.lsn)
            case .message(nil): ("m", keys.lsn)
            case .message(let clientID?): ("M", keys.dedupe(conversation: conversation, clientMessageID: clientID))
            }
        return (
            [
                .text(keys.lsn), .text(keys.log), .text(keys.seq), .text(keys.closed), .text(keys.messageIDs), .text(dedupeKey),
                .text(keys.conversationIDs), .text(keys.unique),
            ] + record.expiringClaims.map { .text(keys.expiringClaim($0)) },
            [
                .integer(Int64(record.type)), .bytes(record.payload), .integer(Int64(conversation)), .text(kind),
                .integer(max(1, dedupeWindow.components.seconds)), .integer(Int64(record.claims.count)),
            ] + record.claims.map { .text($0) } + [.integer(Int64(record.releases.count))] + record.releases.map { .text($0) }
                + [.integer(record.expiringClaimLifetime.redisMilliseconds)] + record.expiringClaims.map { .text($0) }
                + [.integer(Int64(appliedLSN))]
        )
    }

    /// Reads the script's reply (in a pipeline, an error reply is a value): a closed conversation
    /// is ``RedisLogError/closed``, any other error reply ``RedisError/reply(_:)``.
    public static func outcome(of reply: RedisValue) throws -> RedisAppendOutcome {
        if case .error(let message) = reply {
            if message.hasPrefix("CLOSED") { throw RedisLogError.closed }
            if message.hasPrefix("BEHIND") { throw RedisLogError.behind }
            throw RedisError.reply(message)
        }
        guard let parts = reply.array, parts.count == 4 || parts.count == 3, let tag = parts[0].string else {
            throw RedisError.protocolError("the append script answered \(reply)")
        }
        if tag == "taken" || tag == "held", parts.count == 3, let lsn = parts[1].int.flatMap({ UInt64(exactly: $0) }),
            let claim = parts[2].string
        {
            return tag == "taken" ? .taken(claim: claim, lsn: lsn) : .held(claim: claim, lsn: lsn)
        }
        let numbers = parts.dropFirst().compactMap { $0.int.flatMap { UInt64(exactly: $0) } }
        switch (tag, numbers.count) {
        case ("appended", 3): return .appended(lsn: numbers[0], fill: RedisLogFill(seq: numbers[1], id: numbers[2]))
        case ("repeated", 2): return .repeated(seq: numbers[0], lsn: numbers[1])
        default: throw RedisError.protocolError("the append script answered \(reply)")
        }
    }

    /// Up to `count` entries after `lsn`, in LSN order (`XRANGE`), with no wait.
    public func entries(after lsn: UInt64, count: Int) async throws -> [RedisLogEntry] {
        let reply = try await client.send("XRANGE", .text(keys.log), .text("(0-\(lsn)"), "+", "COUNT", .integer(Int64(count)))
        return try (reply.array ?? []).map { try RedisLogEntry($0) }
    }

    /// The LSN of the newest entry ever appended (0 before the first), whether or not trimmed.
    public func lastLSN() async throws -> UInt64 {
        try await client.send("GET", .text(keys.lsn)).int.flatMap { UInt64(exactly: $0) } ?? 0
    }

    /// The LSN of the oldest entry the stream still holds (`nil` when it holds none).
    public func firstLSN() async throws -> UInt64? {
        let reply = try await client.send("XRANGE", .text(keys.log), "-", "+", "COUNT", "1")
        return try reply.array?.first.map { try RedisLogEntry($0).lsn }
    }

    /// Removes every entry below `lsn` (`XTRIM MINID`); returns how many went.
    @discardableResult
    public func trim(below lsn: UInt64) async throws -> Int {
        Int(try await client.send("XTRIM", .text(keys.log), "MINID", .text("0-\(lsn)")).int ?? 0)
    }
}

public enum RedisLogError: Error, Sendable, Equatable {
    /// A message to a conversation that is closed.
    case closed
    /// The log ends before the LSN the sender applied: Redis lost acknowledged records.
    case behind
}
