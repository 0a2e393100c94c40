import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization
import Testing

@testable import parley_load

/// `LoadConnection.send` over a real socket: frames sent before the upgrade is done are held
/// and written first, frames sent after go straight to the channel, and from one sender
/// they all arrive in the order they were sent.
@Suite struct LoadConnectionTests {
    @Test func framesArriveInSendOrderAcrossTheOpening() async throws {
        let server = try await RecordingWebSocketServer.start()
        let connection = LoadConnection.open(url: "ws://127.0.0.1:\(server.port)/") { _ in }
        // Sent at once: most are held while the connection opens, the rest written directly.
        for index in 0..<200 { connection.send("\(index)") }
        // And from the harness's event loop, as the support scenario batches them.
        LoadConnection.onLoop { for index in 200..<300 { connection.send("\(index)") } }
        // Generous: in a parallel run of the whole suite the connection's task may wait long for a thread.
        let deadline = ContinuousClock.now + .seconds(90)
        while server.received.count < 300, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.received == (0..<300).map { "\($0)" })
        await connection.close()
        connection.send("after close")
        try await Task.sleep(for: .milliseconds(50))
        #expect(server.received.count == 300)
        try await server.stop()
    }
}

/// A WebSocket server on 127.0.0.1 that records the text frames it is sent, in order.
private final class RecordingWebSocketServer: Sendable {
    private let channel: any Channel
    private let recorder: Recorder

    private init(channel: any Channel, recorder: Recorder) {
        self.channel = channel
        self.recorder = recorder
    }

    var port: Int { channel.localAddress?.port ?? 0 }
    var received: [String] { recorder.frames.withLock { $0 } }

    static func start() async throws -> RecordingWebSocketServer {
        let recorder = Recorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                    upgradePipelineHandler: { channel, _ in channel.pipeline.addHandler(recorder) })
                return channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return RecordingWebSocketServer(channel: channel, recorder: recorder)
    }

    func stop() async throws { try await channel.close() }

    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        let frames = Mutex<[String]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            switch frame.opcode {
            case .text: frames.withLock { $0.append(String(buffer: frame.unmaskedData)) }
            case .connectionClose:
                let answer = WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)
                context.writeAndFlush(wrapOutboundOut(answer)).whenComplete { [context] _ in context.close(promise: nil) }
            default: break
            }
        }
    }
}
