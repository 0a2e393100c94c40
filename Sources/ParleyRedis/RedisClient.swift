public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

/// A Redis client that keeps one connection open and opens it again when it breaks.
///
/// Every command goes over the one connection, so commands sent together are pipelined. When the
/// connection breaks, the commands in flight on it fail (they may or may not have run: callers
/// that retry must be idempotent, as Parley's scripts are) and the next command reconnects, with
/// exponential backoff and jitter, for at most ``RedisConfiguration/reconnectWindow``.
///
/// ```swift
/// let client = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:6379"))
/// try await client.send("SET", "k", "v")
/// let sha = try await client.evalSHA(script, keys: ["parley:lsn"], arguments: [])
/// await client.shutdown()
/// ```
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var connection: RedisConnection?
        /// The reconnect under way: every caller that needs a connection meanwhile waits for it.
        var connecting: Task<RedisConnection, any Error>?
        var isShutDown = false
    }

    public init(
        configuration: RedisConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "parley.redis")
    ) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
    }

    /// Sends one command; returns its reply (an error reply is thrown as ``RedisError/reply(_:)``).
    @discardableResult
    public func send(_ arguments: RedisArgument...) async throws -> RedisValue {
        try await send(RedisCommand(arguments))
    }

    @discardableResult
    public func send(_ command: RedisCommand) async throws -> RedisValue {
        try await connection().send(command)
    }

    /// Writes the commands with one flush; each one's reply in order (error replies as `.error`).
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RedisValue] {
        try await connection().pipeline(commands)
    }

    /// Runs a script by its SHA1 (`EVALSHA`); when Redis does not have it (a restarted or flushed
    /// server answers `NOSCRIPT`), loads it and runs it again.
    @discardableResult
    public func evalSHA(_ script: RedisScript, keys: [RedisArgument] = [], arguments: [RedisArgument] = []) async throws -> RedisValue {
        let call = RedisCommand(["EVALSHA", .text(script.sha1), .integer(Int64(keys.count))] + keys + arguments)
        do {
            return try await send(call)
        } catch let error as RedisError where error.replyCode == "NOSCRIPT" {
            let loaded = try await send("SCRIPT", "LOAD", .text(script.source))
            guard loaded.string == script.sha1 else {
                throw RedisError.protocolError("SCRIPT LOAD answered \(loaded), not the script's SHA1 \(script.sha1)")
            }
            return try await send(call)
        }
    }

    /// The open connection, or a new one. The open one is returned as it is (no task per command);
    /// only a reconnect makes one, which every caller meanwhile waits for.
    func connection() async throws -> RedisConnection {
        enum Next {
            case open(RedisConnection)
            case connecting(Task<RedisConnection, any Error>)
        }
        let next: Next = try state.withLock { state in
            if state.isShutDown { throw RedisError.shutDown }
            if let connection = state.connection, connection.isActive { return .open(connection) }
            if let connecting = state.connecting { return .connecting(connecting) }
            let connecting = Task { try await self.reconnect() }
            state.connecting = connecting
            return .connecting(connecting)
        }
        switch next {
        case .open(let connection): return connection
        case .connecting(let task): return try await task.value
        }
    }

    /// Attempts connections until one opens or the reconnect window has passed.
    private func reconnect() async throws -> RedisConnection {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.reconnectWindow
        var backoff = RedisBackoff(initial: configuration.initialBackoff, max: configuration.maxBackoff)
        defer { state.withLock { $0.connecting = nil } }
        while true {
            do {
                let connection = try await RedisConnection.connect(configuration, group: group)
                let keep = state.withLock { state -> Bool in
                    guard !state.isShutDown else { return false }
                    state.connection = connection
                    return true
                }
                guard keep else {
                    await connection.close()
                    throw RedisError.shutDown
                }
                if backoff.attempts > 0 {
                    logger.info("reconnected to redis", metadata: ["parley.redis": "\(configuration.host):\(configuration.port)"])
                }
                return connection
            } catch let error as RedisError where error != .shutDown {
                let wait = backoff.next()
                if backoff.attempts == 1 {
                    logger.warning("redis unreachable; retrying", metadata: ["parley.error": "\(error)"])
                }
                guard clock.now + wait < deadline, !state.withLock({ $0.isShutDown }) else { throw error }
                try await Task.sleep(for: wait)
            }
        }
    }

    /// Closes the connection; later commands fail with ``RedisError/shutDown``.
    public func shutdown() async {
        let (connection, connecting) = state.withLock { state in
            state.isShutDown = true
            defer { state.connection = nil }
            return (state.connection, state.connecting)
        }
        connecting?.cancel()
        await connection?.close()
    }
}
