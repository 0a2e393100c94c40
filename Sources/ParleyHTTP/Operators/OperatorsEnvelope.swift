public import Hummingbird
import HTTPTypes

/// The operators dialect's error body (seed 000 shows none): `{"error": {"code", "message"}}`,
/// validation failures 400. Success bodies are the seed's bare objects.
struct OperatorsFailure: ResponseEncodable {
    struct Detail: Encodable, Sendable {
        var code: String
        var message: String
    }

    var error: Detail
}

/// Renders every error of the routes below it in the operators envelope.
public struct OperatorsErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let failure = APIError.from(error, logger: context.logger)
            var response = try OperatorsFailure(error: .init(code: failure.code, message: failure.message))
                .response(from: request, context: context)
            response.status = failure.status
            if let seconds = failure.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
            return response
        }
    }
}
