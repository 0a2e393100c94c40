import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// One WebSocket connection of the harness (HummingbirdWSClient): hands every text frame to
/// `onText` (on the connection's task) and sends what `send` is given, in order. Remembers the
/// close code if the server closed it (4008: the harness read too slowly).
final class LoadConnection: Sendable {
    private final class Outcome: Sendable {
        let closeCode = Mutex<UInt16?>(nil)
    }

    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<Void, Never>
    private let outcome: Outcome

    private init(outgoing: AsyncStream<String>.Continuation, task: Task<Void, Never>, outcome: Outcome) {
        self.outgoing = outgoing
        self.task = task
        self.outcome = outcome
    }

    static func open(url: String, onText: @escaping @Sendable (String) -> Void) -> LoadConnection {
        let (toSend, outgoing) = AsyncStream.makeStream(of: String.self)
        let quiet = Logger(label: "parley-load", factory: { _ in SwiftLogNoOpLogHandler() })
        let outcome = Outcome()
        let task = Task {
            let frame = try? await WebSocketClient.connect(
                url: url, configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20), logger: quiet
            ) { inbound, outbound, _ in
                let writer = Task {
                    for await text in toSend { try? await outbound.write(.text(text)) }
                    try? await outbound.close(.normalClosure, reason: nil)
                }
                defer { writer.cancel() }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = message { onText(text) }
                }
            }
            if let code = frame?.closeCode { outcome.closeCode.withLock { $0 = UInt16(webSocketErrorCode: code) } }
        }
        return LoadConnection(outgoing: outgoing, task: task, outcome: outcome)
    }

    func send(_ text: String) { outgoing.yield(text) }

    /// The server's close code, if it closed the connection before the harness did.
    var serverCloseCode: UInt16? { outcome.closeCode.withLock { $0 } }

    /// The codes of connections the server closed other than normally (4008: read too slowly).
    static func abnormalCloses(_ connections: [LoadConnection]) -> [UInt16] {
        connections.compactMap(\.serverCloseCode).filter { $0 != 1000 }
    }

    /// Closes the connection and waits for it to end.
    func close() async {
        outgoing.finish()
        await task.value
    }
}
