import Crypto

/// A Lua script Redis runs atomically, called by its SHA1 (``RedisClient/evalSHA(_:keys:arguments:)``)
/// so that only the first call after a Redis start sends its source.
///
/// ```swift
/// static let next = RedisScript("return redis.call('INCR', KEYS[1])")
/// ```
public struct RedisScript: Sendable, Hashable {
    public let source: String
    /// Lower-case hex, as `SCRIPT LOAD` answers.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
