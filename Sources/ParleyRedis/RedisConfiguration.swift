/// Where a Redis server is and how patient to be with it.
///
/// ```swift
/// let configuration = try RedisConfiguration(url: "redis://127.0.0.1:6379")
/// ```
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// `AUTH <password>` after connecting, when set (`redis://:password@host:port`).
    public var password: String?
    /// `SELECT <n>` after connecting, when not 0 (`redis://host:port/n`).
    public var database: Int
    /// How long one TCP connect may take.
    public var connectTimeout: Duration = .seconds(2)
    /// How long a command may wait for its reply. A command over it fails, and so does every
    /// command behind it on that connection (the connection is closed).
    public var commandTimeout: Duration = .seconds(5)
    /// The first wait between reconnect attempts; doubled per failed attempt up to
    /// ``maxBackoff``, each wait a random 50–100 % of that (jitter, so nodes do not reconnect in
    /// step).
    public var initialBackoff: Duration = .milliseconds(50)
    public var maxBackoff: Duration = .seconds(2)
    /// How long commands wait for a connection while Redis cannot be reached before they fail.
    public var reconnectWindow: Duration = .seconds(10)
    /// The largest reply accepted (see ``RedisReplyReader``).
    public var maxReplyBytes = RedisReplyReader.defaultMaxReplyBytes

    public init(host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    /// `redis://[:password@]host[:port][/database]`.
    public init(url: String) throws(RedisURLError) {
        guard url.hasPrefix("redis://") else { throw RedisURLError(url: url, reason: "it must start with redis://") }
        var rest = Substring(url.dropFirst("redis://".count))
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            password = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).last.map(String.init)
            rest = rest[rest.index(after: at)...]
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let text = rest[rest.index(after: slash)...]
            if !text.isEmpty {
                guard let number = Int(text), number >= 0 else { throw RedisURLError(url: url, reason: "the database must be a number") }
                database = number
            }
            rest = rest[..<slash]
        }
        var host = String(rest)
        var port = 6379
        if let colon = rest.lastIndex(of: ":") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw RedisURLError(url: url, reason: "the port must be 1 to 65535")
            }
            port = number
            host = String(rest[..<colon])
        }
        guard !host.isEmpty else { throw RedisURLError(url: url, reason: "it names no host") }
        self.init(host: host, port: port, password: password?.isEmpty == true ? nil : password, database: database)
    }
}

/// A Redis URL that does not parse; the message says why (and never repeats a password).
public struct RedisURLError: Error, Sendable, CustomStringConvertible {
    var url: String
    public var reason: String

    public var description: String { "not a Redis URL (redis://host:port): \(reason)" }
}
