import Foundation
import HTTPTypes
public import Hummingbird
public import HummingbirdWebSocket
public import Logging
import NIOCore
import NIOWebSocket
public import ParleyEngine
public import ParleyHTTP
import ParleyModel

/// The WebSocket endpoints: `/ws` and `/api/v1/ws`. A connection with a `role` query parameter
/// speaks the native protocol (seed 004 §12) and authenticates in the URL; one without waits for
/// an omni `auth` frame (seed 003). Bad credentials close with 1008 (native) or 4001 (omni).
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

    /// The server configuration the gateway's limits need (frame size, ping period, UTF-8 checks).
    public var serverConfiguration: WebSocketServerConfiguration {
        WebSocketServerConfiguration(
            maxFrameSize: configuration.maxFrameBytes, autoPing: .enabled(timePeriod: configuration.pingInterval),
            closeTimeout: .seconds(5), validateUTF8: true)
    }

    public func register(on router: Router<RealtimeRequestContext>) {
        for path in ["/ws", "/api/v1/ws"] {
            router.ws(RouterPath(path)) { inbound, outbound, context in
                try await self.serve(inbound, outbound, context)
            }
        }
    }

    /// One connection, start to end. Throws the protocol error that ended it (WSCore turns it
    /// into the close code: 1002, 1007, 1009).
    func serve(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter,
        _ context: WebSocketRouterContext<RealtimeRequestContext>
    ) async throws {
        guard let outlet = await SessionOutlet.install(on: context.requestContext.channel, queues: hub.flushQueues) else {
            return  // the connection is already gone
        }
        var messages = inbound.messages(maxSize: configuration.maxFrameBytes).makeAsyncIterator()
        // `batch=1` (or `true`): several events per frame, newline-delimited (docs/api/realtime.md).
        guard let batches = Self.batching(context.request.uri.queryParameters["batch"].map(String.init)) else {
            try? await outbound.close(.policyViolation, reason: "batch must be 1, true, 0 or false")
            return
        }
        let identity: SessionIdentity
        let dialect: WireDialect
        if context.request.uri.queryParameters["role"] != nil {
            dialect = .native
            switch await authenticateNative(context.request) {
            case .success(let who): identity = who
            case .failure(let refusal):
                try? await outbound.close(.policyViolation, reason: refusal.reason)
                return
            }
        } else {
            dialect = .omni
            // A client that never authenticates is closed with 4001 after `authTimeout`.
            let timer = Task { [configuration] in
                try await Task.sleep(for: configuration.authTimeout)
                try await outbound.close(.unknown(4001), reason: "authentication timed out")
            }
            let who = await authenticateOmni(&messages, outbound)
            timer.cancel()
            guard let who else { return }
            identity = who
        }
        let channel = context.requestContext.channel
        let session = hub.open(identity, dialect: dialect, outlet: outlet, batchesFrames: batches) { session, reason in
            // Rare (an overflow, a shutdown): a task only then, none per connection meanwhile.
            Task { await Self.close(session, reason, outbound: outbound, channel: channel) }
        }
        let commands = SessionCommands(session: session, hub: hub, configuration: configuration)
        if dialect == .omni { session.send(FrameEncoder.encode(["type": "auth.ok"])) }
        // A client that sends nothing gets its live messages after the resume window.
        let release = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.resumeWindow)) {
            [hub] in hub.release(session)
        }
        // Graceful shutdown needs nothing here: `RealtimeShutdown` closes every session (1001).
        var failure: (any Error)?
        do {
            while let message = try await messages.next() {
                switch message {
                case .text(let text): await commands.handle(text)
                case .binary: session.respond(session.dialect.error("BAD_FRAME", "binary frames are not accepted"))
                }
            }
        } catch {
            // The peer broke the protocol or went away; WSCore answers with the close code.
            logger.debug("session ended", metadata: ["parley.session": "\(session.id)", "parley.error": "\(error)"])
            failure = error
        }
        release.cancel()
        hub.close(session)
        await commands.stopTyping()
        if let failure { throw failure }
    }

    /// The `batch` query parameter: absent, `0` or `false` is off, `1` or `true` on; anything else
    /// is refused (nil).
    static func batching(_ value: String?) -> Bool? {
        switch value {
        case nil, "0", "false": false
        case "1", "true": true
        default: nil
        }
    }

    /// Closes the session's connection: with 4008 when its outbox overflowed (cutting the
    /// connection if even the close cannot be written), else after flushing what is queued,
    /// with 1001 at shutdown and 4001 when the session's visitor was erased.
    static func close(
        _ session: RealtimeSession, _ reason: RealtimeSession.CloseReason, outbound: WebSocketOutboundWriter, channel: any Channel
    ) async {
        switch reason {
        case .overflow:
            // A peer that stopped reading may never answer the close: cut it off regardless.
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
            try? await outbound.close(.unknown(4008), reason: "outbox overflow: resume to catch up")
        case .shutdown:
            await session.flushNow()
            try? await outbound.close(.goingAway, reason: "server shutting down")
        case .revoked:
            await session.flushNow()
            try? await outbound.close(.unknown(4001), reason: "the visitor was erased")
        }
    }
}
