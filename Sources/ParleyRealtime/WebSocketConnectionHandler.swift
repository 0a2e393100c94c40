import CoreMetrics
import NIOCore
import NIOWebSocket

/// One WebSocket connection served as a plain SwiftNIO channel handler (issue 18): no task, task
/// group or stream per connection. It sits last in the pipeline, right behind the frame decoder
/// (the only other inbound handler: a client's frame makes two hops); decisions come from
/// ``WebSocketProtocolState`` (unmasked frames and the decoder's errors included), and whole
/// messages go to the connection's ``RealtimeConnection``, which works through them in order (a
/// task only while it has some). Keepalive pings run on an event-loop timer; a peer that leaves
/// one unanswered for a whole period is closed (1001). Changes of the channel's writability go
/// to the session's ``SessionOutlet`` (outbound only, so it does not see them itself).
///
/// Reading stops while the connection has ``RealtimeConnection/highWater`` messages waiting
/// (TCP backpressure for a client that sends faster than its frames are carried out), and
/// starts again when they are worked down.
final class WebSocketConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler, NIOScheduledCallbackHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var state: WebSocketProtocolState
    /// Dropped when the handler leaves the pipeline (breaking the handler ↔ connection cycle).
    private var connection: RealtimeConnection?
    /// The session's writer, told when the channel can take writes again; dropped with the handler.
    private var outlet: SessionOutlet?
    private var context: ChannelHandlerContext?
    private let pingInterval: TimeAmount
    private let closeTimeout: TimeAmount
    private var keepalive: NIOScheduledCallback?
    private var closeTimer: Scheduled<Void>?
    /// Reading is paused (too many messages waiting); `readRequested` remembers a read asked meanwhile.
    private var readPaused = false
    private var readRequested = false
    /// The close code the connection ends with (sent by the server or answered), for metrics.
    private var closeCode: UInt16?

    init(
        connection: RealtimeConnection, outlet: SessionOutlet, maxMessageBytes: Int, pingInterval: TimeAmount,
        closeTimeout: TimeAmount
    ) {
        self.connection = connection
        self.outlet = outlet
        self.state = WebSocketProtocolState(maxMessageBytes: maxMessageBytes, requiresMaskedFrames: true)
        self.pingInterval = pingInterval
        self.closeTimeout = closeTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        scheduleKeepalive(context)
        connection?.start(control: ConnectionControl(handler: NIOLoopBound(self, eventLoop: context.eventLoop)))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimers()
        self.context = nil
        connection = nil
        outlet = nil
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        outlet?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        RealtimeMetrics.connectionClosed(code: closeCode)
        state.markClosed()
        stopTimers()
        connection?.ended()
        connection = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch state.received(frame) {
        case .none: break
        case .text(let text): deliver(.text(text))
        case .binary: deliver(.binary)
        case .pong(let payload):
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)), promise: nil)
        case .closeAndDrop(let code): closeAndDrop(context, code, reason: nil)
        case .drop: context.close(promise: nil)
        }
    }

    private func deliver(_ input: RealtimeConnection.Input) {
        guard let connection else { return }
        if connection.receive(input) { readPaused = true }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // The peer half-closed without a close frame: nothing more will come.
            state.markClosed()
            context.close(promise: nil)
        case is ChannelShouldQuiesceEvent:
            // The HTTP server is stopping: sessions the hub knows were closed already (1001);
            // this covers connections still authenticating.
            close(code: .goingAway, reason: "server shutting down")
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's frame decoder refused the peer's bytes (a frame over the limit, a bad control
        // frame): answered with a close (1009, 1002) and dropped. Anything else (a reset
        // connection) ends the connection here.
        guard let error = error as? NIOWebSocketError else {
            state.markClosed()
            context.close(promise: nil)
            return
        }
        switch state.decoderFailed(error) {
        case .closeAndDrop(let code): closeAndDrop(context, code, reason: nil)
        default: context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        guard !readPaused else {
            readRequested = true
            return
        }
        context.read()
    }

    /// The connection worked its messages down: read again.
    func resumeReading() {
        guard readPaused, let context else { return }
        readPaused = false
        if readRequested {
            readRequested = false
            context.read()
        }
    }

    // MARK: Closing

    /// Starts the close handshake with `code` (once): the peer's answering close drops the
    /// connection, or `closeTimeout` does.
    func close(code: WebSocketErrorCode, reason: String?) {
        guard let context, state.beginClose() else { return }
        closeCode = UInt16(webSocketErrorCode: code)
        context.writeAndFlush(wrapOutboundOut(Self.closeFrame(code, reason: reason, allocator: context.channel.allocator)), promise: nil)
        dropAfter(closeTimeout)
    }

    /// Drops the connection after `delay` whatever happens meanwhile (a peer that stopped
    /// reading may never answer the close).
    func dropAfter(_ delay: TimeAmount) {
        guard let context else { return }
        closeTimer?.cancel()
        closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            self?.context?.close(promise: nil)
        }
    }

    private func closeAndDrop(_ context: ChannelHandlerContext, _ code: WebSocketErrorCode, reason: String?) {
        closeCode = UInt16(webSocketErrorCode: code)
        let frame = Self.closeFrame(code, reason: reason, allocator: context.channel.allocator)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in channel.close(promise: nil) }
    }

    static func closeFrame(_ code: WebSocketErrorCode, reason: String?, allocator: ByteBufferAllocator) -> WebSocketFrame {
        var data = allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        data.write(webSocketErrorCode: code)
        if let reason { data.writeString(reason) }
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }

    // MARK: Keepalive

    private func scheduleKeepalive(_ context: ChannelHandlerContext) {
        keepalive = try? context.eventLoop.assumeIsolated().scheduleCallback(in: pingInterval, handler: self)
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        guard let context else { return }
        switch state.keepaliveDue(payload: UInt64.random(in: .min ... .max)) {
        case .ping(let payload):
            var data = context.channel.allocator.buffer(capacity: 8)
            data.writeInteger(payload)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: data)), promise: nil)
            scheduleKeepalive(context)
        case .closeAndDrop(let code):
            keepalive = nil
            closeAndDrop(context, code, reason: "ping timeout")
        case .stop:
            keepalive = nil
        }
    }

    private func stopTimers() {
        if let keepalive, let context { context.eventLoop.assumeIsolated().cancelScheduledCallback(keepalive) }
        keepalive = nil
        closeTimer?.cancel()
        closeTimer = nil
    }
}

/// What the connection's work (off the event loop) may ask of its channel: every call hops to
/// the channel's event loop.
struct ConnectionControl: Sendable {
    let handler: NIOLoopBound<WebSocketConnectionHandler>

    var eventLoop: any EventLoop { handler.eventLoop }

    /// Starts the close handshake with `code`.
    func close(_ code: WebSocketErrorCode, reason: String?) {
        handler.eventLoop.execute { handler.value.close(code: code, reason: reason) }
    }

    /// Closes for one of the session's reasons: after writing what the session has queued
    /// (shutdown 1001, revoked 4001), or at once with the connection cut off two seconds later
    /// whatever happens (overflow 4008: the peer stopped reading).
    func close(_ session: RealtimeSession, _ reason: RealtimeSession.CloseReason) {
        handler.eventLoop.execute {
            switch reason {
            case .overflow:
                RealtimeMetrics.shared.overflows.increment()
                handler.value.close(code: .unknown(4008), reason: "outbox overflow: resume to catch up")
                handler.value.dropAfter(.seconds(2))
            case .shutdown:
                session.flushQueued()
                handler.value.close(code: .goingAway, reason: "server shutting down")
            case .revoked:
                session.flushQueued()
                handler.value.close(code: .unknown(4001), reason: "the visitor was erased")
            }
        }
    }

    /// The connection's messages were worked down: read from the socket again.
    func resumeReading() {
        handler.eventLoop.execute { handler.value.resumeReading() }
    }
}
