public import Logging
public import HummingbirdCore
import NIOCore
import ParleyEngine
public import ParleyHTTP

/// The WebSocket endpoints: `/ws` and `/api/v1/ws`. A connection with a `role` query parameter
/// speaks the native protocol (seed 004 §12) and authenticates in the URL; one without waits for
/// an omni `auth` frame (seed 003). Bad credentials close with 1008 (native) or 4001 (omni).
/// Each connection is served by channel handlers (``RealtimeChildChannel``,
/// ``WebSocketConnectionHandler``) and its work by a ``RealtimeConnection``.
public struct RealtimeGateway: Sendable {
    let hub: Hub
    let broker: Broker
    let authentication: AuthenticationMiddleware
    let configuration: RealtimeConfiguration
    let logger: Logger

    public init(hub: Hub, authentication: AuthenticationMiddleware, logger: Logger = Logger(label: "parley.realtime")) {
        self.hub = hub
        self.broker = hub.broker
        self.authentication = authentication
        self.configuration = hub.configuration
        self.logger = logger
    }

    /// The HTTP server for an `Application`: HTTP/1.1 with the WebSocket upgrade served by
    /// this gateway (``RealtimeChildChannel``).
    public var server: HTTPServerBuilder {
        HTTPServerBuilder { responder in RealtimeChildChannel(gateway: self, responder: responder) }
    }

    /// The same child channel wrapped by `wrap` (TLS in front of it).
    public func server(wrappedIn wrap: @escaping @Sendable (RealtimeChildChannel) throws -> any ServerChildChannel) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in try wrap(RealtimeChildChannel(gateway: self, secure: true, responder: responder)) }
    }

    /// Puts a freshly upgraded connection's handlers in place (on its event loop): the session
    /// outlet in front of NIO's frame encoder, and the connection handler last.
    func installConnection(on channel: any Channel, request: UpgradeRequest) throws {
        let outlet = try SessionOutlet.install(on: channel, queue: hub.flushQueues.queue(for: channel.eventLoop))
        let connection = RealtimeConnection(gateway: self, request: request, outlet: outlet)
        try channel.pipeline.syncOperations.addHandler(
            WebSocketConnectionHandler(
                connection: connection, outlet: outlet.handler.value, maxMessageBytes: configuration.maxFrameBytes,
                pingInterval: TimeAmount(configuration.pingInterval), closeTimeout: .seconds(5)))
    }
}
