public import Hummingbird
import HTTPTypes

/// The omni dialect's envelope (CONTRACT §1): `{"data": …, "meta": …}`; errors
/// `{"detail", "code"}`, with validation failures as 422 (seed 003).
struct OmniData<Payload: Encodable & Sendable>: ResponseEncodable {
    var data: Payload

    init(_ data: Payload) { self.data = data }
}

/// The paging block of omni lists (seed 003).
struct OmniMeta: Encodable, Sendable {
    var total: Int
    var page: Int
    var per_page: Int
}

/// A list answer: `{"data": [...], "meta": {...}}`.
struct OmniList<Item: Encodable & Sendable, Meta: Encodable & Sendable>: ResponseEncodable {
    var data: [Item]
    var meta: Meta
}

struct OmniFailure: ResponseEncodable {
    var detail: String
    var code: String
}

/// Renders every error of the routes below it in the omni envelope.
public struct OmniErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let failure = APIError.from(error, logger: context.logger)
            var response = try OmniFailure(detail: failure.message, code: failure.code).response(from: request, context: context)
            response.status = failure.code == "VALIDATION_ERROR" ? .unprocessableContent : failure.status
            if let seconds = failure.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
            return response
        }
    }
}
