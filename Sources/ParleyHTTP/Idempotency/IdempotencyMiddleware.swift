import Crypto
import Foundation
public import Hummingbird
import HTTPTypes
import NIOCore
import Logging
import ParleyModel
public import ParleyStorage
import Synchronization

/// Honours `Idempotency-Key` on every `POST` below it: the answer is kept for 24 h in the
/// durable state (logged before it is sent, so a retry after a restart is still answered from
/// it) and replayed for a repeat with the same body; another body is a 409.
///
/// The key rides in the same log record as the request's first effect (``IdempotencyClaim``),
/// so a crash between the effect and its answer cannot make a retry run the request twice: the
/// retry finds the key without an answer and gets a 409 saying the request was applied. A
/// request that changed nothing keeps no key when it fails: its retry runs again; one that did
/// change something keeps its answer, error or not.
public struct IdempotencyMiddleware: RouterMiddleware {
    public typealias Context = ParleyRequestContext

    final class Gate: Sendable {
        let state = Mutex(IdempotencyGate())
    }

    private let store: EventStore
    private let gate = Gate()
    private let logger = Logger(label: "parley.http.idempotency")

    public init(store: EventStore) {
        self.store = store
    }

    public func handle(
        _ request: Request, context: ParleyRequestContext, next: (Request, ParleyRequestContext) async throws -> Response
    ) async throws -> Response {
        // Uploads stream (up to 10 MiB) straight into a blob: they are not buffered for a replay.
        guard request.method == .post, let key = request.headers[.idempotencyKey],
            request.headers[.contentType]?.lowercased().hasPrefix("multipart/") != true
        else {
            return try await next(request, context)
        }
        guard !key.isEmpty, key.utf8.count <= 255 else {
            throw APIError.validation("Idempotency-Key must be 1 to 255 characters")
        }
        var request = request
        let body = try await request.collectBody(limitedBy: context)
        let scope = "\(context.principal?.identity ?? "anonymous") \(request.uri.path) \(key)"
        let hash = Self.fingerprint(body)
        guard gate.state.withLock({ $0.begin(scope: scope) }) else {
            throw APIError.conflict("a request with this Idempotency-Key is still being processed")
        }
        // Ended after the answer is kept, so the next request with the key finds it.
        defer { gate.state.withLock { $0.end(scope: scope) } }
        let claimedAt = Timestamp.now()
        let kept = store.read { $0.idempotency.reply(for: scope, now: claimedAt) }
        switch IdempotencyGate.decision(requestHash: hash, kept: kept) {
        case .replay:
            return Self.response(replaying: kept!)
        case .conflict(let reason):
            throw APIError.conflict(reason)
        case .appliedWithoutAnswer:
            throw APIError.conflict(
                "the request with this Idempotency-Key was applied, but the server stopped before its answer was kept; it is not run again: read what it changed, or send it again with a new key"
            )
        case .proceed:
            break
        }
        let claim = IdempotencyClaim(.pending(scope: scope, requestHash: hash, at: claimedAt))
        var response: Response
        do {
            response = try await IdempotencyClaim.$current.withValue(claim) { try await next(request, context) }
        } catch {
            if claim.isHeldElsewhere { return try Self.answerHeldElsewhere(scope: scope, hash: hash, store: store) }
            // Had it changed something, the key stays pending: a retry hears it was applied.
            claim.close()
            throw error
        }
        if claim.isHeldElsewhere { return try Self.answerHeldElsewhere(scope: scope, hash: hash, store: store) }
        let changedSomething = claim.close()
        guard response.status.code < 400 || changedSomething else { return response }
        let collector = BodyCollector()
        try await response.body.write(collector)
        let bytes = collector.buffer
        response.body = ResponseBody(byteBuffer: bytes)
        // Never older than its pending key, which it replaces (a wall clock may step back).
        let reply = IdempotentReply(
            scope: scope, requestHash: hash, status: UInt16(response.status.code), contentType: response.headers[.contentType],
            body: String(buffer: bytes), recordedAt: max(.now(), claimedAt))
        do {
            _ = try await store.commit(.idempotentReplyRecorded(reply))
        } catch {
            // The request itself succeeded; a retry is told it was applied (or, when nothing
            // took the key, runs again).
            logger.warning("could not keep an idempotent reply", metadata: ["parley.error": "\(error)"])
        }
        return response
    }

    /// The answer when another cluster node's request holds the key (its record is applied here
    /// by now, nothing of this request was logged): that request's reply when it is kept, else
    /// it is still running there.
    static func answerHeldElsewhere(scope: String, hash: String, store: EventStore) throws -> Response {
        let kept = store.read { $0.idempotency.reply(for: scope, now: .now()) }
        switch IdempotencyGate.decision(requestHash: hash, kept: kept) {
        case .replay: return response(replaying: kept!)
        case .conflict(let reason): throw APIError.conflict(reason)
        case .appliedWithoutAnswer, .proceed:
            throw APIError.conflict("a request with this Idempotency-Key is still being processed (by another node)")
        }
    }

    static func response(replaying reply: IdempotentReply) -> Response {
        var headers = HTTPFields()
        if let contentType = reply.contentType { headers[.contentType] = contentType }
        headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
        return Response(
            status: HTTPResponse.Status(code: Int(reply.status)), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
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
        return Hex.encode(SHA256.hash(data: canonical))
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
