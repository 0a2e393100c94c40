/// A request the engine refuses, with a stable code that every dialect maps to its envelope
/// (CONTRACT §4). HTTP statuses are chosen at the HTTP edge, not here.
public struct EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable, machine-readable reason.
    public enum Code: String, Sendable {
        case validation = "VALIDATION_ERROR"
        case notFound = "NOT_FOUND"
        case conflict = "CONFLICT"
        case forbidden = "FORBIDDEN"
        case unauthorized = "UNAUTHORIZED"
        /// The password was right, but two-factor login needs a valid code (CONTRACT §7).
        case totpRequired = "TOTP_REQUIRED"
        case payloadTooLarge = "PAYLOAD_TOO_LARGE"
        case unavailable = "SERVICE_UNAVAILABLE"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func validation(_ message: String) -> EngineError { EngineError(.validation, message) }
    public static func notFound(_ message: String) -> EngineError { EngineError(.notFound, message) }
    public static func conflict(_ message: String) -> EngineError { EngineError(.conflict, message) }
    public static func forbidden(_ message: String) -> EngineError { EngineError(.forbidden, message) }

    public var description: String { "\(code.rawValue): \(message)" }
}
