public import Hummingbird
import HTTPTypes
import Logging

/// Gives every HTTP request an id: the client's `X-Request-Id` when it sent a sensible one (1–128
/// visible ASCII characters), else a new one (16 hex digits). It is in the metadata of every log
/// line of the request (`parley.request_id`) and in the response's `X-Request-Id`, so a client's
/// report can be found in the server's log.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = Self.accepted(request.headers[.requestID]) ?? Self.make()
        var context = context
        context.logger[metadataKey: "parley.request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    static func accepted(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return value
    }

    static func make() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension RequestContext {
    /// The id ``RequestIDMiddleware`` gave this request, for error bodies' details.
    var requestID: String? {
        if case .string(let id) = logger[metadataKey: "parley.request_id"] { id } else { nil }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
