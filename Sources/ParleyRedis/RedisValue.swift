public import NIOCore

/// One Redis reply (RESP2), as ``RedisReplyReader`` reads it off a connection.
///
/// ```swift
/// let value = try await client.send("INCR", "parley:lsn")
/// let lsn = try value.int   // 1, 2, 3 …
/// ```
public enum RedisValue: Sendable, Hashable {
    /// `+OK`.
    case simple(String)
    /// `-ERR …`: the command failed; the connection is fine.
    case error(String)
    case integer(Int64)
    /// A bulk string: binary-safe bytes.
    case bulk(ByteBuffer)
    /// `$-1` or `*-1`.
    case null
    case array([RedisValue])

    /// A bulk or simple string as text (UTF-8, invalid bytes replaced).
    public var string: String? {
        switch self {
        case .simple(let text): text
        case .bulk(let bytes): String(buffer: bytes)
        default: nil
        }
    }

    /// The bytes of a bulk string.
    public var bytes: ByteBuffer? {
        if case .bulk(let bytes) = self { bytes } else { nil }
    }

    /// An integer reply, or a string reply that holds a decimal integer (what `GET` of a
    /// counter returns).
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk, .simple: string.flatMap { Int64($0) }
        default: nil
        }
    }

    public var array: [RedisValue]? {
        if case .array(let values) = self { values } else { nil }
    }

    public var isNull: Bool { self == .null }
}

/// What a Redis command can fail with.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Redis answered with an error reply (`-ERR …`, `-NOSCRIPT …`): the command failed, the
    /// connection stays usable.
    case reply(String)
    /// The bytes from Redis did not parse (or declared a reply over the configured limits): the
    /// connection is closed, every command in flight on it fails with this.
    case protocolError(String)
    /// No reply within the command timeout: the connection is closed (later replies could no
    /// longer be matched to their commands) and every command in flight on it fails.
    case timeout
    /// The connection closed (or could not be opened) before the reply came.
    case connectionClosed(String)
    /// The client was shut down.
    case shutDown

    public var description: String {
        switch self {
        case .reply(let message): "redis: \(message)"
        case .protocolError(let message): "redis protocol error: \(message)"
        case .timeout: "redis: no reply within the command timeout"
        case .connectionClosed(let why): "redis connection closed: \(why)"
        case .shutDown: "redis client shut down"
        }
    }

    /// The error code of a reply error: its first word (`NOSCRIPT`, `WRONGTYPE`, `ERR`).
    public var replyCode: String? {
        guard case .reply(let message) = self else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }
}
