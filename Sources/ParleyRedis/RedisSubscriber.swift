public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

/// One connection in pub/sub mode: subscribes to `channels` and hands every message published on
/// them to `onMessage`, on the connection's event loop (keep it quick). When the connection
/// breaks it reconnects (backoff with jitter, for as long as it runs) and subscribes again, then
/// calls `onResubscribed`: pub/sub keeps nothing for an absent subscriber, so messages published
/// meanwhile are lost and whoever depends on them must catch up another way (Parley republishes
/// presence then; typing is only a hint).
///
/// ```swift
/// let subscriber = RedisSubscriber(configuration: configuration, channels: ["parley:ephemeral"]) { channel, payload in … }
/// try await subscriber.start()   // returns once subscribed
/// await subscriber.shutdown()
/// ```
public final class RedisSubscriber: Sendable {
    public let configuration: RedisConfiguration
    public let channels: [String]
    private let onMessage: @Sendable (_ channel: String, _ payload: ByteBuffer) -> Void
    private let onResubscribed: @Sendable () -> Void
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var connection: RedisConnection?
        var loop: Task<Void, Never>?
        var isShutDown = false
    }

    public init(
        configuration: RedisConfiguration, channels: [String], group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "parley.redis"), onResubscribed: @escaping @Sendable () -> Void = {},
        onMessage: @escaping @Sendable (_ channel: String, _ payload: ByteBuffer) -> Void
    ) {
        precondition(!channels.isEmpty, "a subscriber needs at least one channel")
        self.configuration = configuration
        self.channels = channels
        self.group = group
        self.logger = logger
        self.onResubscribed = onResubscribed
        self.onMessage = onMessage
    }

    /// Connects and subscribes (throws when that fails), then keeps the subscription up until
    /// ``shutdown()``.
    public func start() async throws {
        let first = try await subscribe()
        let loop = Task { await self.keepSubscribed(first) }
        let keep = state.withLock { state -> Bool in
            guard !state.isShutDown else { return false }
            state.loop = loop
            return true
        }
        if !keep { loop.cancel() }
    }

    /// A connection subscribed to every channel.
    private func subscribe() async throws -> RedisConnection {
        let onMessage = self.onMessage
        let connection = try await RedisConnection.connect(configuration, group: group) { value in
            guard let items = value.array else { return }
            // ["message", channel, payload] or ["pmessage", pattern, channel, payload]
            let (channel, payload) = items.count == 4 ? (items[2], items[3]) : (items[1], items[2])
            if let name = channel.string, let bytes = payload.bytes { onMessage(name, bytes) }
        }
        do {
            // One channel per command: each SUBSCRIBE's confirmation is then its one reply.
            for channel in channels { try await connection.send(RedisCommand("SUBSCRIBE", .text(channel))) }
        } catch {
            await connection.close()
            throw error
        }
        let keep = state.withLock { state -> Bool in
            guard !state.isShutDown else { return false }
            state.connection = connection
            return true
        }
        guard keep else {
            await connection.close()
            throw RedisError.shutDown
        }
        return connection
    }

    private func keepSubscribed(_ first: RedisConnection) async {
        var connection = first
        while true {
            try? await connection.closed.get()
            var backoff = RedisBackoff(initial: configuration.initialBackoff, max: configuration.maxBackoff)
            while true {
                if Task.isCancelled || state.withLock({ $0.isShutDown }) { return }
                do {
                    connection = try await subscribe()
                    logger.info("resubscribed to redis", metadata: ["parley.channels": "\(channels)"])
                    onResubscribed()
                    break
                } catch {
                    if backoff.attempts == 0 { logger.warning("redis subscription lost; retrying", metadata: ["parley.error": "\(error)"]) }
                    try? await Task.sleep(for: backoff.next())
                }
            }
        }
    }

    /// Unsubscribes (closes the connection) and stops reconnecting.
    public func shutdown() async {
        let (connection, loop) = state.withLock { state in
            state.isShutDown = true
            return (state.connection, state.loop)
        }
        loop?.cancel()
        await connection?.close()
        await loop?.value
    }
}
