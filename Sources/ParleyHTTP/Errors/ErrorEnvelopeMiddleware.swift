public import Hummingbird
public import HTTPTypes

/// Renders every error of the routes below it in one dialect's error body (CONTRACT §4): the
/// error becomes an ``APIError`` once, the dialect draws the body and may pick another status
/// (omni's 422 for validation), and `Retry-After` goes with rate limits in every dialect.
public struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    let status: @Sendable (APIError) -> HTTPResponse.Status
    let body: @Sendable (APIError, Request, Context) throws -> Response

    init(
        status: @escaping @Sendable (APIError) -> HTTPResponse.Status = { $0.status },
        body: @escaping @Sendable (APIError, Request, Context) throws -> Response
    ) {
        self.status = status
        self.body = body
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let failure = APIError.from(error, logger: context.logger)
            var response = try body(failure, request, context)
            response.status = status(failure)
            if let seconds = failure.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
            return response
        }
    }
}

extension ErrorEnvelopeMiddleware {
    /// `{"success": false, "error": {"code", "message", "details": {"request_id"}}}` (seed 004).
    public static func native() -> Self {
        Self { failure, request, context in
            try NativeFailure(error: .init(failure, requestID: context.requestID)).response(from: request, context: context)
        }
    }

    /// `{"detail", "code", "request_id"}`, validation failures 422 (seed 003).
    public static func omni() -> Self {
        Self(status: { $0.code == "VALIDATION_ERROR" ? .unprocessableContent : $0.status }) { failure, request, context in
            try OmniFailure(detail: failure.message, code: failure.code, request_id: context.requestID)
                .response(from: request, context: context)
        }
    }

    /// `{"error": {"code", "message", "details": {"request_id"}}}` (seed 000 shows none; docs/api/operators.md).
    public static func operators() -> Self {
        Self { failure, request, context in
            try OperatorsFailure(error: .init(failure, requestID: context.requestID)).response(from: request, context: context)
        }
    }

    /// `{"errors": [{"key", "value", "message", "code"}], "request_id"}` (Pachca's shape; seed 002).
    public static func chats() -> Self {
        Self { failure, request, context in
            try ChatsFailure(failure, requestID: context.requestID).response(from: request, context: context)
        }
    }

    /// `ResponseWrapper` with a `CdpErrorResponse`, the request id in `details.requestId` (seed 001; docs/api/gateway.md).
    public static func gateway() -> Self {
        Self { failure, request, context in
            try GatewayFailure(failure, path: request.uri.path, requestID: context.requestID).response(from: request, context: context)
        }
    }
}
