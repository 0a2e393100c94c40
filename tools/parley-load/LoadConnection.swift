import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// One WebSocket connection of the harness, straight on SwiftNIO: the HTTP upgrade is NIO's
/// `NIOWebSocketClientUpgrader`, and every text (or binary) frame the server sends is handed to
/// `onText` as the bytes NIO read (no `String`, no task hop), on the connection's event loop. `send` writes
/// text frames (masked, as a client must) in order: straight to the channel once the connection
/// is open (on the event loop when called there, else one hop to it), held until then. Remembers
/// the close code if the server closed the connection (4008: the harness read too slowly).
///
/// Past ``ConnectionSpread/perAddress`` connections the harness binds each new connection to
/// the next loopback source address (127.0.0.2, 127.0.0.3, …): one source address has only
/// about 28,000 ephemeral ports towards one server port.
final class LoadConnection: Sendable {
    private let outgoing: Outgoing
    private let closing: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>
    private let receiver: FrameReceiver

    private init(outgoing: Outgoing, closing: AsyncStream<Void>.Continuation, task: Task<Void, Never>, receiver: FrameReceiver) {
        self.outgoing = outgoing
        self.closing = closing
        self.task = task
        self.receiver = receiver
    }

    /// The harness's event loops: one thread (it shares its core with the scenario's tasks).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Runs `body` on the harness's event loop: sends made there go straight to their channels,
    /// so a batch of sends costs one hop to the loop rather than one each.
    static func onLoop(_ body: @escaping @Sendable () -> Void) { group.next().execute(body) }

    /// `onEnd` is called once when the connection ends: it could not be made, the upgrade was
    /// refused, or either side closed it.
    static func open(
        url: String, onOpen: (@Sendable () -> Void)? = nil, onEnd: (@Sendable () -> Void)? = nil,
        onText: @escaping @Sendable (ByteBuffer) -> Void
    ) -> LoadConnection {
        let (closeRequested, closing) = AsyncStream.makeStream(of: Void.self)
        let receiver = FrameReceiver(onText: onText)
        let source = ConnectionSpread.shared.nextSourceAddress()
        let outgoing = Outgoing()
        let task = Task {
            guard let target = WebSocketTarget(url), let channel = try? await connect(target, from: source, receiver: receiver)
            else {
                receiver.refused()
                onEnd?()
                return
            }
            if let onEnd { channel.closeFuture.whenComplete { _ in onEnd() } }
            guard let upgraded = receiver.upgraded, (try? await upgraded.get()) != nil else {
                channel.close(promise: nil)
                return
            }
            onOpen?()
            // On the loop, so that a send racing with this one is written after the held frames.
            try? await channel.eventLoop.submit { outgoing.opened(channel) }.get()
            for await _ in closeRequested {}
            // Done: say goodbye, and cut the connection if the server does not answer soon.
            var code = ByteBuffer()
            code.write(webSocketErrorCode: .normalClosure)
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: code), promise: nil)
            let cut = channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
            try? await channel.closeFuture.get()
            cut.cancel()
        }
        return LoadConnection(outgoing: outgoing, closing: closing, task: task, receiver: receiver)
    }

    private static func connect(_ target: WebSocketTarget, from source: SocketAddress?, receiver: FrameReceiver) async throws -> any Channel {
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .connectTimeout(.seconds(30))
            .channelInitializer { channel in
                receiver.prepareUpgrade(on: channel.eventLoop)
                let request = UpgradeRequest(target: target, receiver: receiver)
                let upgrader = NIOWebSocketClientUpgrader(
                    requestKey: Self.randomKey(), maxFrameSize: 1 << 20, automaticErrorHandling: true
                ) { channel, _ in
                    channel.pipeline.addHandler(receiver)
                }
                let configuration: NIOHTTPClientUpgradeSendableConfiguration = (
                    upgraders: [upgrader],
                    completionHandler: { context in context.pipeline.removeHandler(request, promise: nil) }
                )
                return channel.pipeline.addHTTPClientHandlers(withClientUpgrade: configuration).flatMap {
                    channel.pipeline.addHandler(request)
                }
            }
        if let source { bootstrap = bootstrap.bind(to: source) }
        return try await bootstrap.connect(host: target.host, port: target.port).get()
    }

    private static func randomKey() -> String {
        Data((0..<16).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString()
    }

    /// Writes `text` as one masked text frame, after everything sent before it.
    func send(_ text: String) { outgoing.send(text) }

    /// The server's close code, if it closed the connection before the harness did.
    var serverCloseCode: UInt16? { receiver.closeCode }

    /// The codes of connections the server closed other than normally (4008: read too slowly).
    static func abnormalCloses(_ connections: [LoadConnection]) -> [UInt16] {
        connections.compactMap(\.serverCloseCode).filter { $0 != 1000 }
    }

    /// Closes the connection and waits for it to end.
    func close() async {
        outgoing.close()
        closing.finish()
        await task.value
    }
}

/// Where a connection's `send` puts a frame: straight into the open channel, or held until the
/// upgrade is done (then written first, on the channel's event loop, so that order is kept).
private final class Outgoing: Sendable {
    private struct State {
        var channel: (any Channel)?
        var held: [String] = []
        var closing = false
    }

    private let state = Mutex(State())

    func send(_ text: String) {
        let open = state.withLock { state -> (any Channel)? in
            if state.channel == nil, !state.closing { state.held.append(text) }
            return state.channel
        }
        open?.writeAndFlush(Self.frame(text), promise: nil)
    }

    /// On the channel's event loop once the upgrade is done: writes what was held, and lets
    /// later sends write straight to the channel (a send racing with this one from another
    /// thread hops to the loop, so it is written after these).
    func opened(_ channel: any Channel) {
        let held = state.withLock { state -> [String] in
            guard !state.closing else { return [] }
            state.channel = channel
            defer { state.held = [] }
            return state.held
        }
        for text in held { channel.write(Self.frame(text), promise: nil) }
        channel.flush()
    }

    /// Sends after this are dropped (the connection is saying goodbye).
    func close() {
        state.withLock { state in
            state.closing = true
            state.channel = nil
            state.held = []
        }
    }

    private static func frame(_ text: String) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text))
    }
}

/// `ws://host:port/path?query`, taken apart for the bootstrap and the upgrade request.
struct WebSocketTarget: Sendable {
    var host: String
    var port: Int
    var uri: String

    init?(_ url: String) {
        guard let components = URLComponents(string: url), let host = components.host else { return nil }
        self.host = host
        port = components.port ?? 80
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        uri = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
    }
}

/// Chooses each connection's loopback source address: the kernel's choice (127.0.0.1) for the
/// first ``perAddress``, then 127.0.0.2, 127.0.0.3, … each for the next ``perAddress``.
final class ConnectionSpread: Sendable {
    static let shared = ConnectionSpread()
    /// Below the ~28,000 ephemeral ports one source address has towards one server port.
    static let defaultPerAddress = 25_000

    private let opened = Atomic<Int>(0)
    private let block = Atomic<Int>(ConnectionSpread.defaultPerAddress)

    /// Connections per source address (`--connections-per-address`).
    var perAddress: Int {
        get { block.load(ordering: .relaxed) }
        set { block.store(max(1, newValue), ordering: .relaxed) }
    }

    func nextSourceAddress() -> SocketAddress? {
        let index = opened.wrappingAdd(1, ordering: .relaxed).oldValue
        return Self.sourceAddress(forConnection: index, perAddress: perAddress)
    }

    static func sourceAddress(forConnection index: Int, perAddress: Int = defaultPerAddress) -> SocketAddress? {
        let block = index / perAddress
        guard block > 0 else { return nil }
        return try? SocketAddress(ipAddress: "127.0.\((1 + block) / 256).\((1 + block) % 256)", port: 0)
    }
}
