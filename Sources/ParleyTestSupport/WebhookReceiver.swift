public import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// A webhook receiver (or a stand-in for any JSON API) on a loopback port for tests: records
/// every POST and answers as scripted (a status, a JSON body, a hang, a redirect), the scripted
/// answers first, then `fallback`.
public final class WebhookReceiver: Sendable {
    public struct Delivery: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: Data
        /// The status this request was answered with (nil for a hang that never answered).
        public var answered: Int?

        public var id: String? { headers["x-webhook-id"] }
        public var event: String? { headers["x-webhook-event"] }
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    public enum Answer: Sendable {
        case status(Int)
        /// A status with a JSON body and extra headers.
        case json(Int, String, headers: [String: String] = [:])
        case hang(Duration)
        case redirect(String)
    }

    private struct Script {
        var received: [Delivery] = []
        var queued: [Answer] = []
        var fallback: Answer = .status(200)
    }

    private let script = Mutex(Script())

    public init() {}

    /// Answers these first, in order, then `fallback`.
    public func script(_ answers: [Answer], then fallback: Answer = .status(200)) {
        script.withLock {
            $0.queued = answers
            $0.fallback = fallback
        }
    }

    public var received: [Delivery] { script.withLock { $0.received } }

    /// Waits until `condition` holds for the requests received (or the timeout).
    public func wait(timeout: Duration = .seconds(15), until condition: ([Delivery]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(received) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(received)
    }

    private func next() -> Answer {
        script.withLock { $0.queued.isEmpty ? $0.fallback : $0.queued.removeFirst() }
    }

    private func record(_ delivery: Delivery) { script.withLock { $0.received.append(delivery) } }

    /// Runs the receiver on 127.0.0.1 for the length of `body`, which gets its port.
    public func serve<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("**") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let answer = self.next()
            var delivery = Delivery(path: request.uri.path, headers: headers, body: Data(bytes.readableBytesView), answered: nil)
            switch answer {
            case .status(let code):
                delivery.answered = code
                self.record(delivery)
                return Response(status: .init(code: code))
            case .json(let code, let json, let extra):
                delivery.answered = code
                self.record(delivery)
                var fields: HTTPFields = [.contentType: "application/json"]
                for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
                return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: json)))
            case .hang(let duration):
                self.record(delivery)
                try await Task.sleep(for: duration)
                return Response(status: .ok)
            case .redirect(let location):
                delivery.answered = 302
                self.record(delivery)
                return Response(status: .found, headers: [.location: location])
            }
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in try await body(client.port ?? 0) }
    }
}
