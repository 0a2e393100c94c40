public import Hummingbird
import HTTPTypes

/// CORS for the widget API, which browsers call from the customer's own pages. A preflight is
/// answered for any origin (its body, which names the site, is not sent with it); the request
/// itself is checked against the site's widget channel by the controller, which refuses an
/// origin the channel does not allow (403). Answers echo the origin, so a page can read them.
public struct WidgetCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        if request.method == .options {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin, .accessControlAllowMethods: "GET, POST, OPTIONS",
                    .accessControlAllowHeaders: "Content-Type, Idempotency-Key", .accessControlMaxAge: "600", .vary: "Origin",
                ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        return response
    }
}
