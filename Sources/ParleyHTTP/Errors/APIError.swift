public import HTTPTypes
public import ParleyEngine

/// The one error type of the HTTP layer: a status and a stable code, rendered by each
/// dialect's envelope at the edge (CONTRACT §4). A 5xx is always a bug.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Seconds after which a retry may succeed (sent as `Retry-After`).
    public var retryAfterSeconds: Int?
    /// The request field at fault, for the dialects whose errors name it (chats `key`,
    /// gateway `fieldErrors`), and the value given there.
    public var field: String?
    public var value: String?

    public init(_ status: HTTPResponse.Status, code: String, message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// 429 with the wait rounded up to whole seconds.
    public static func rateLimited(retryAfter wait: Duration) -> APIError {
        let seconds = max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
        return APIError(.tooManyRequests, code: "RATE_LIMITED", message: "too many requests; retry in \(seconds) s", retryAfterSeconds: seconds)
    }

    public static func validation(_ message: String) -> APIError { APIError(.badRequest, code: "VALIDATION_ERROR", message: message) }
    /// A validation failure of one field.
    public static func invalid(_ field: String, value: String? = nil, _ message: String) -> APIError {
        var error = APIError.validation("\(field) \(message)")
        error.field = field
        error.value = value
        return error
    }
    public static func unauthorized(_ message: String, code: String = "UNAUTHORIZED") -> APIError {
        APIError(.unauthorized, code: code, message: message)
    }
    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "FORBIDDEN", message: message) }
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, code: "NOT_FOUND", message: "\(what) not found") }
    public static func conflict(_ message: String) -> APIError { APIError(.conflict, code: "CONFLICT", message: message) }
    public static func payloadTooLarge(_ message: String) -> APIError {
        APIError(.contentTooLarge, code: "PAYLOAD_TOO_LARGE", message: message)
    }

    /// The same failure from the engine.
    public init(_ error: EngineError) {
        switch error.code {
        case .validation: self = .validation(error.message)
        case .notFound: self = APIError(.notFound, code: "NOT_FOUND", message: error.message)
        case .conflict: self = .conflict(error.message)
        case .forbidden: self = .forbidden(error.message)
        case .unauthorized: self = .unauthorized(error.message)
        case .totpRequired: self = .unauthorized(error.message, code: "TOTP_REQUIRED")
        case .payloadTooLarge: self = .payloadTooLarge(error.message)
        case .unavailable: self = APIError(.serviceUnavailable, code: "SERVICE_UNAVAILABLE", message: error.message)
        }
    }

    public var description: String { "\(status.code) \(code): \(message)" }
}
