public import NIOCore
public import NIOPosix

/// One TCP connection to Redis on a SwiftNIO channel. Commands may be sent from any task, any
/// number at once: they are written in the order of the calls and answered in that order.
///
/// Most code wants ``RedisClient``, which reconnects; a connection that closed stays closed.
///
/// ```swift
/// let connection = try await RedisConnection.connect(RedisConfiguration())
/// let pong = try await connection.send(RedisCommand("PING"))   // .simple("PONG")
/// ```
public final class RedisConnection: Sendable {
    let channel: any Channel
    private let liveness: RedisConnectionLiveness

    private init(channel: any Channel, liveness: RedisConnectionLiveness) {
        self.channel = channel
        self.liveness = liveness
    }

    /// Connects, then authenticates and selects the database the configuration names.
    /// `push` makes a subscriber connection (see ``RedisSubscriber``).
    public static func connect(
        _ configuration: RedisConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        push: (@Sendable (RedisValue) -> Void)? = nil
    ) async throws -> RedisConnection {
        let timeout = TimeAmount.nanoseconds(Int64(configuration.commandTimeout.nanoseconds))
        let maxReplyBytes = configuration.maxReplyBytes
        let liveness = RedisConnectionLiveness()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(configuration.connectTimeout.nanoseconds)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            RedisChannelHandler(timeout: timeout, maxReplyBytes: maxReplyBytes, liveness: liveness, push: push))
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw RedisError.connectionClosed("could not connect to \(configuration.host):\(configuration.port): \(error)")
        }
        let connection = RedisConnection(channel: channel, liveness: liveness)
        do {
            if let password = configuration.password { _ = try await connection.send(RedisCommand("AUTH", .text(password))) }
            if configuration.database != 0 { _ = try await connection.send(RedisCommand("SELECT", .integer(Int64(configuration.database)))) }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Whether the connection is still open (and has not failed: one that timed out is closing).
    public var isActive: Bool { channel.isActive && !liveness.hasEnded }

    /// Sends one command; returns its reply. An error reply is thrown as ``RedisError/reply(_:)``.
    @discardableResult
    public func send(_ command: RedisCommand) async throws -> RedisValue {
        let value = try await reply(to: command).get()
        if case .error(let message) = value { throw RedisError.reply(message) }
        return value
    }

    /// Writes `commands` with one flush and returns each one's reply (error replies included, as
    /// `.error`), in order.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        let futures = commands.dropLast().map { reply(to: $0, flush: false) } + [reply(to: commands[commands.count - 1])]
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for future in futures { replies.append(try await future.get()) }
        return replies
    }

    /// The future of one command's reply (an error reply is a value, not a failure).
    public func reply(to command: RedisCommand, flush: Bool = true) -> EventLoopFuture<RedisValue> {
        let promise = channel.eventLoop.makePromise(of: RedisValue.self)
        let request = RedisRequest(command: command, promise: promise)
        let written = flush ? channel.writeAndFlush(request) : channel.write(request)
        // A write the channel refuses (closed) never reaches the handler's queue.
        written.whenFailure { error in promise.fail(error as? RedisError ?? .connectionClosed("\(error)")) }
        return promise.futureResult
    }

    /// When the connection ends (from either side).
    public var closed: EventLoopFuture<Void> { channel.closeFuture }

    /// Closes the connection; commands in flight fail.
    public func close() async {
        try? await channel.close()
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// Whole milliseconds, at least 1 (what Redis's timeouts take; 0 would mean "forever").
    public var redisMilliseconds: Int64 {
        max(1, components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
