public import HummingbirdCore
import HTTPTypes
public import Logging
public import NIOCore
import NIOHTTP1
public import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// Each accepted connection: HTTP/1.1 for the REST APIs and web clients (Hummingbird's
/// responder, one task while the connection lives), or a WebSocket upgrade on `/ws` and
/// `/api/v1/ws`, after which the connection is plain channel handlers (NIO's frame codec,
/// ``SessionOutlet``, ``WebSocketConnectionHandler``) and its task ends:
/// an idle WebSocket holds no task, task group or async stream (issue 18).
public struct RealtimeChildChannel: ServerChildChannel, HTTPChannelHandler {
    public enum Upgrade: Sendable {
        /// Now a WebSocket, served by its handlers.
        case webSocket
        /// Plain HTTP.
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade to a path that has none: 400.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    public struct Value: ServerChildChannelValue {
        let upgrade: EventLoopFuture<Upgrade>
        public let channel: any Channel
    }

    public static let paths: Set<String> = ["/ws", "/api/v1/ws"]

    public let responder: HTTPChannelHandler.Responder
    let gateway: RealtimeGateway
    /// Behind TLS (the request URIs' scheme is https).
    let secure: Bool

    public init(gateway: RealtimeGateway, secure: Bool = false, responder: @escaping HTTPChannelHandler.Responder) {
        self.gateway = gateway
        self.secure = secure
        self.responder = Self.refusingLateUpgrades(responder)
    }

    /// Each connection keeps its last receive buffer for the next read: 512 bytes to start (a
    /// request head, a chat frame), growing as reads fill it, instead of NIO's 2 KiB, which an
    /// idle WebSocket would hold for nothing (issue 18).
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.receiveBuffers)
            let attempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                maxFrameSize: gateway.configuration.maxFrameBytes,
                // The connection handler answers the decoder's errors itself (1009, 1002):
                // no pass-through handler for every frame a client sends.
                enableAutomaticErrorHandling: false,
                shouldUpgrade: { channel, head in
                    attempted.value = true
                    let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
                    return channel.eventLoop.makeSucceededFuture(Self.paths.contains(path) ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        try gateway.installConnection(on: channel, request: UpgradeRequest(head))
                        return Upgrade.webSocket
                    }
                })
            let configuration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
                        try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return attempted.value ? Upgrade.refused(http) : Upgrade.http(http)
                    }
                })
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Upgrade>(upgradeConfiguration: configuration)
            pipeline.enablePipelining = false  // the async channel reads one request at a time
            pipeline.enableErrorHandling = false  // Hummingbird answers parse errors
            pipeline.enableResponseHeaderValidation = false  // HTTPTypes validated them
            let upgrade = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(upgrade: upgrade, channel: channel)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgrade.get() {
            case .webSocket: return
            case .http(let http): await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http): await Self.refuse(http, logger: logger)
            }
        } catch {
            logger.trace("connection ended before its first request", metadata: ["parley.error": "\(error)"])
        }
    }

    /// 400 to an upgrade the server has no WebSocket for.
    private static func refuse(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        do {
            try await http.executeThenClose { _, outbound in
                let head = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
            }
        } catch {
            logger.trace("could not answer a refused upgrade", metadata: ["parley.error": "\(error)"])
        }
    }

    /// NIO upgrades only a connection's first request. A later one asking for a WebSocket gets
    /// a redirect to the same URI and the connection closes, so the client retries on a fresh
    /// connection (as Hummingbird's own WebSocket channel does).
    static func refusingLateUpgrades(_ responder: @escaping HTTPChannelHandler.Responder) -> HTTPChannelHandler.Responder {
        struct RedirectedUpgrade: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                try await responder(request, writer, channel)
                return
            }
            let location = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
            try await writer.writeResponse(
                HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: location]))
            throw RedirectedUpgrade()
        }
    }
}
