import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// The WebSocket end of a harness connection, on its event loop: data frames go to `onText`,
/// pings are answered, a close from the server is remembered and answered.
final class FrameReceiver: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let onText: @Sendable (ByteBuffer) -> Void
    private struct State {
        var closeCode: UInt16?
        var upgrade: EventLoopPromise<Void>?
        var upgraded: EventLoopFuture<Void>?
    }

    private let state = Mutex(State())

    init(onText: @escaping @Sendable (ByteBuffer) -> Void) { self.onText = onText }

    /// Called by the channel initializer, before anything can complete the upgrade.
    func prepareUpgrade(on eventLoop: any EventLoop) {
        let promise = eventLoop.makePromise(of: Void.self)
        state.withLock { state in
            state.upgrade = promise
            state.upgraded = promise.futureResult
        }
    }

    /// Succeeds once the server accepted the upgrade; fails if it refused or the connection ended.
    var upgraded: EventLoopFuture<Void>? { state.withLock { $0.upgraded } }

    /// Completes the upgrade promise once; later calls do nothing.
    private func completeUpgrade(_ result: Result<Void, any Error>) {
        let promise = state.withLock { state in
            defer { state.upgrade = nil }
            if case .failure = result, state.closeCode == nil { state.closeCode = 1006 }
            return state.upgrade
        }
        promise?.completeWith(result)
    }

    /// The upgrade did not happen: refused, or the connection could not be made at all (the
    /// upgrade promise, if the channel got that far, fails: it must never be dropped).
    func refused() { completeUpgrade(.failure(ChannelError.inputClosed)) }

    var closeCode: UInt16? { state.withLock { $0.closeCode } }

    func handlerAdded(context: ChannelHandlerContext) { completeUpgrade(.success(())) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:  // binary: nats-server's WebSocket frames (`peer-room`)
            onText(frame.unmaskedData)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            let received = data.readWebSocketErrorCode().map { UInt16(webSocketErrorCode: $0) }
            state.withLock { $0.closeCode = received ?? 1005 }
            // Echo the code; a close without one is answered without one (1005 is never sent).
            var echo = ByteBuffer()
            if let received { echo.writeInteger(received) }
            let reply = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.withLock { state in
            if state.closeCode == nil { state.closeCode = 1006 }
        }
        context.fireChannelInactive()
    }
}

/// Sends the upgrade request once connected; fails the upgrade if the server answers anything
/// but 101 (NIO hands that answer on when it is not an upgrade).
final class UpgradeRequest: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let target: WebSocketTarget
    let receiver: FrameReceiver

    init(target: WebSocketTarget, receiver: FrameReceiver) {
        self.target = target
        self.receiver = receiver
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(target.host):\(target.port)")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.uri, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), head.status != .switchingProtocols {
            receiver.refused()
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        receiver.refused()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        receiver.refused()
        context.fireChannelInactive()
    }
}
