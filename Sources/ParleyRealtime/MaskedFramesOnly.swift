import NIOCore
import NIOWebSocket

/// Sits right behind the frame decoder of each server connection and does two jobs:
///
/// * RFC 6455 §5.1: every client → server frame must be masked, and a server must close the
///   connection on an unmasked one. WSCore does not check; this answers with 1002 and drops it.
/// * The session writer's path to the socket: ``write(_:)`` writes a batch of frames in one
///   event-loop turn with one flush, so they leave in one gathered socket write.
final class MaskedFramesOnly: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Only touched on the channel's event loop.
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.maskKey != nil else {
            var code = context.channel.allocator.buffer(capacity: 2)
            code.write(webSocketErrorCode: .protocolError)
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(close)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.fireChannelRead(data)
    }

    /// Writes text frames in one turn (call on the event loop); the future completes when the
    /// last one reached the socket.
    func write(_ frames: [ByteBuffer]) -> EventLoopFuture<Void>? {
        guard let context else { return nil }
        var last = context.eventLoop.makeSucceededVoidFuture()
        for frame in frames {
            last = context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: frame)))
        }
        context.flush()
        return last
    }

    /// Puts the handler right behind the channel's frame decoder; returns a writer for it.
    static func install(on channel: any Channel) async -> FrameWriter? {
        try? await channel.eventLoop.submit {
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            let handler = MaskedFramesOnly()
            try pipeline.addHandler(handler, position: .after(decoder))
            return FrameWriter(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        }.get()
    }
}

/// Writes batches of frames through ``MaskedFramesOnly`` from any thread.
struct FrameWriter: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<MaskedFramesOnly>

    struct Closed: Error {}

    /// Hands the batch to the event loop without waiting for it; waits for the socket only while
    /// the channel is over its write-buffer watermark (the backpressure, as in WSCore's writer).
    /// Batches keep their order: the event loop runs submitted work in order.
    func write(_ frames: [ByteBuffer]) async throws {
        guard !frames.isEmpty else { return }
        let written = channel.eventLoop.flatSubmit {
            handler.value.write(frames) ?? channel.eventLoop.makeFailedFuture(Closed())
        }
        if !channel.isWritable { try await written.get() }
    }
}
