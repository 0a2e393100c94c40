import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// A WebSocket client over a real connection (HummingbirdWSClient) for tests: frames sent are
/// JSON objects; frames received are parsed and handed out in order.
actor TestSocket {
    private let outgoing: AsyncStream<WebSocketOutboundWriter.OutboundFrame>.Continuation
    private var frames: [String] = []
    private var ended = false
    /// The connection's task; its value is the close frame the server sent.
    private var connection: Task<WebSocketCloseFrame?, any Error>?

    private init(outgoing: AsyncStream<WebSocketOutboundWriter.OutboundFrame>.Continuation) {
        self.outgoing = outgoing
    }

    static func connect(port: Int, path: String, headers: [String: String] = [:], maxFrame: Int = 1 << 20) async throws -> TestSocket {
        let (outbox, toSend) = AsyncStream.makeStream(of: WebSocketOutboundWriter.OutboundFrame.self)
        var configuration = WebSocketClientConfiguration(maxFrameSize: maxFrame)
        for (name, value) in headers { configuration.additionalHeaders[.init(name)!] = value }
        let quiet = Logger(label: "parley.test.ws", factory: { _ in SwiftLogNoOpLogHandler() })
        let socket = TestSocket(outgoing: toSend)
        let connection = Task {
            defer { Task { await socket.end() } }
            return try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)\(path)", configuration: configuration, logger: quiet) {
                inbound, outbound, _ in
                let writer = Task {
                    for await frame in outbox { try? await outbound.write(frame) }
                    try? await outbound.close(.normalClosure, reason: nil)
                }
                defer { writer.cancel() }
                for try await message in inbound.messages(maxSize: maxFrame) {
                    if case .text(let text) = message { await socket.append(text) }
                }
            }
        }
        await socket.started(connection)
        return socket
    }

    private func started(_ task: Task<WebSocketCloseFrame?, any Error>) { connection = task }
    private func append(_ text: String) { frames.append(text) }
    private func end() { ended = true }

    func send(_ object: [String: any Sendable]) {
        let data = try! JSONSerialization.data(withJSONObject: object)
        outgoing.yield(.text(String(decoding: data, as: UTF8.self)))
    }

    func sendText(_ text: String) { outgoing.yield(.text(text)) }

    func sendBinary(_ bytes: [UInt8]) { outgoing.yield(.binary(ByteBuffer(bytes: bytes))) }

    /// The next frame (any type), or `nil` when the connection ended or `timeout` passed.
    func next(timeout: Duration = .seconds(5)) async -> Frame? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if !frames.isEmpty {
                let frame = Frame(text: frames.removeFirst())
                if frame.object != nil { return frame }
                continue
            }
            if ended || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The next frame's text as it came (a batching session's frames hold several lines).
    func nextText(timeout: Duration = .seconds(5)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if !frames.isEmpty { return frames.removeFirst() }
            if ended || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The next frame of `type`, skipping others.
    func next(_ type: String, timeout: Duration = .seconds(5)) async -> Frame? {
        let deadline = ContinuousClock.now + timeout
        while let frame = await next(timeout: deadline - ContinuousClock.now) {
            if frame["type"] as? String == type { return frame }
        }
        return nil
    }

    /// Frames received so far and not yet taken.
    var pending: Int { frames.count }

    func close() {
        outgoing.finish()
    }

    func reason() async -> String? { try? await connection?.value?.reason }

    /// Waits for the connection to end; returns the server's close code.
    func closeCode() async -> UInt16? {
        let frame = try? await connection?.value
        guard let code = frame?.closeCode else { return nil }
        return switch code {
        case .unknown(let value): value
        default: UInt16(webSocketErrorCode: code)
        }
    }
}

/// A received frame: its JSON text, read as an object on demand.
struct Frame: Sendable {
    let text: String

    var object: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] }

    subscript(_ key: String) -> Any? { object?[key] }
}
