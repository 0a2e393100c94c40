import NIOCore
import NIOWebSocket

/// A session's path to its socket: a channel handler placed right in front of NIO's
/// `WebSocketFrameEncoder` (on the socket side), so it writes prepared ``WireFrame`` bytes
/// straight to the socket, past the per-frame encoder. ``WebSocketConnectionHandler``'s own
/// frames (pings, pongs, close) still go through the encoder; all writes happen on the
/// channel's event loop, in order.
///
/// It is an outbound handler only, so the frames a client sends do not pass through it on
/// their way in (a hop per frame): the connection handler, last on the inbound side, tells it
/// when the channel becomes writable again.
///
/// ``flush(from:)`` writes everything the session queued in one turn with one flush: one
/// gathered socket write however many frames piled up. While the channel is over its
/// write-buffer watermark the frames stay in the session's outbox, and the outlet flushes again
/// when the channel becomes writable: a client that does not read fills its own outbox only,
/// and is closed (4008) when that overflows.
final class SessionOutlet: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Only touched on the channel's event loop.
    private var context: ChannelHandlerContext?
    /// The session this outlet drains, known from its first flush; dropped with the handler
    /// (which also breaks the session → outlet → session cycle).
    private var session: RealtimeSession?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        session = nil
    }

    /// The channel's writability changed (``WebSocketConnectionHandler`` passes the inbound
    /// event on): what waited in the outbox leaves once it can.
    func writabilityChanged() {
        if let context, context.channel.isWritable, let session {
            RealtimeMetrics.shared.framesSent(flush(from: session), session.dialect)
        }
    }

    /// Writes what `session` queued, unless the channel is over its watermark (then it resumes
    /// on writability); `force` writes regardless (the last flush before a close). Returns the
    /// WebSocket frames written (the caller counts them for metrics, once per batch).
    @discardableResult
    func flush(from session: RealtimeSession, force: Bool = false) -> Int {
        var shared = SharedWrites()
        return flush(from: session, force: force, sharing: &shared)
    }

    /// ``flush(from:force:)`` as one of a pass over many sessions (``LoopFlushQueue``): a
    /// session that queued the same frames as the one before it writes the same bytes.
    func flush(from session: RealtimeSession, force: Bool = false, sharing shared: inout SharedWrites) -> Int {
        self.session = session
        guard let context, force || context.channel.isWritable else { return 0 }
        guard let write = session.takeWrite(sharing: &shared) else { return 0 }
        context.writeAndFlush(wrapOutboundOut(write.bytes), promise: nil)
        return write.frames
    }

    /// Where a session's frames go: its outlet, flushed through its event loop's queue.
    struct Handle: Sendable {
        let handler: NIOLoopBound<SessionOutlet>
        let queue: LoopFlushQueue

        /// Asks for a flush of `session` in the event loop's next batch of flushes.
        func schedule(_ session: RealtimeSession) { queue.schedule(session, handler) }
    }

    /// Installs the outlet in front of the frame encoder (on the channel's event loop).
    static func install(on channel: any Channel, queue: LoopFlushQueue) throws -> Handle {
        let pipeline = channel.pipeline.syncOperations
        let encoder = try pipeline.handler(type: WebSocketFrameEncoder.self)
        let outlet = SessionOutlet()
        try pipeline.addHandler(outlet, position: .before(encoder))
        return Handle(handler: NIOLoopBound(outlet, eventLoop: channel.eventLoop), queue: queue)
    }
}
