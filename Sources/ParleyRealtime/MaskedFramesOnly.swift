import NIOCore
import NIOWebSocket

/// RFC 6455 §5.1: every client → server frame must be masked, and a server must close the
/// connection on an unmasked one. WSCore does not check; this handler, added behind the frame
/// decoder of each server connection, answers an unmasked frame with a 1002 close and drops it.
final class MaskedFramesOnly: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.maskKey != nil else {
            var code = context.channel.allocator.buffer(capacity: 2)
            code.write(webSocketErrorCode: .protocolError)
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
            context.writeAndFlush(wrapOutboundOut(close)).whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.fireChannelRead(data)
    }

    /// Puts the check right behind the channel's frame decoder.
    static func install(on channel: any Channel) async {
        try? await channel.eventLoop.submit {
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            try pipeline.addHandler(MaskedFramesOnly(), position: .after(decoder))
        }.get()
    }
}
