import Crypto
import Foundation
public import Hummingbird
import HTTPTypes
import NIOCore
import Synchronization

/// Honours `Idempotency-Key` on every `POST` below it: the first response is kept for 24 h
/// (in memory; messages are also deduplicated durably by their client id) and replayed for a
/// repeat with the same body; another body is a 409. Errors are not kept: a retry runs again.
public struct IdempotencyMiddleware: RouterMiddleware {
    public typealias Context = ParleyRequestContext

    /// A response as kept for replay.
    public struct StoredResponse: Sendable {
        var status: HTTPResponse.Status
        var contentType: String?
        var body: ByteBuffer
    }

    final class Table: Sendable {
        let state = Mutex(IdempotencyTable<StoredResponse>())
    }

    private let table = Table()

    public init() {}

    public func handle(
        _ request: Request, context: ParleyRequestContext, next: (Request, ParleyRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey] else {
            return try await next(request, context)
        }
        guard !key.isEmpty, key.utf8.count <= 255 else {
            throw APIError.validation("Idempotency-Key must be 1 to 255 characters")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw APIError.payloadTooLarge("request body is larger than \(context.maxUploadSize) bytes")
        }
        let scope = "\(context.principal?.identity ?? "anonymous") \(request.uri.path) \(key)"
        let hash = Self.fingerprint(body)
        switch table.state.withLock({ $0.begin(key: scope, bodyHash: hash, now: .now) }) {
        case .replay(let stored):
            var headers = HTTPFields()
            if let contentType = stored.contentType { headers[.contentType] = contentType }
            headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
            return Response(status: stored.status, headers: headers, body: ResponseBody(byteBuffer: stored.body))
        case .conflict(let reason):
            throw APIError.conflict(reason)
        case .proceed:
            break
        }
        do {
            let response = try await next(request, context)
            let collector = BodyCollector()
            var copy = response
            try await copy.body.write(collector)
            let bytes = collector.buffer
            let stored = StoredResponse(status: response.status, contentType: response.headers[.contentType], body: bytes)
            table.state.withLock { $0.finish(key: scope, response: stored, now: .now) }
            copy.body = ResponseBody(byteBuffer: bytes)
            return copy
        } catch {
            table.state.withLock { $0.abandon(key: scope) }
            throw error
        }
    }
}

extension IdempotencyMiddleware {
    /// SHA-256 of the body in a canonical form: JSON re-serialized with sorted keys, so that a
    /// retry whose keys come in another order is the same request; other bodies as they are.
    static func fingerprint(_ body: ByteBuffer) -> String {
        let raw = Data(body.readableBytesView)
        let canonical =
            (try? JSONSerialization.jsonObject(with: raw, options: [.fragmentsAllowed]))
            .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) } ?? raw
        return SHA256.hash(data: canonical).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }
}

/// Collects a response body so it can be kept and sent.
final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
