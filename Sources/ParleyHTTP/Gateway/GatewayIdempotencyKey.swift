import Foundation
import Hummingbird
import HTTPTypes

/// The gateway's `idempotencyKey` body field is the `Idempotency-Key` header by another name
/// (CONTRACT §4): this layer, in front of the shared idempotency layer, lifts it into the
/// header so that one table answers both. Giving both with different values is a 400.
struct GatewayIdempotencyKey: RouterMiddleware {
    typealias Context = ParleyRequestContext

    private struct Body: Decodable {
        var idempotencyKey: String?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        var request = request
        let buffer = try await request.collectBody(limitedBy: context)
        // A body that is not JSON, or whose key is not a string, is the handler's to refuse.
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView)), let key = body.idempotencyKey else {
            return try await next(request, context)
        }
        guard !key.isEmpty, key.utf8.count <= 255 else {
            throw APIError.invalid("idempotencyKey", value: key, "must be 1 to 255 characters")
        }
        if let header = request.headers[.idempotencyKey], header != key {
            throw APIError.invalid("idempotencyKey", value: key, "differs from the Idempotency-Key header")
        }
        var head = request.head
        head.headerFields[.idempotencyKey] = key
        return try await next(Request(head: head, body: request.body), context)
    }
}
