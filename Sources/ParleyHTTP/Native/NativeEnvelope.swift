import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import ParleyEngine
import ParleyHistory
import ParleyLog
import ParleyModel
import ParleyStorage

/// The native dialect's envelope: `{"success": true, "data": …}` or
/// `{"success": false, "error": {"code", "message"}}`.
struct NativeSuccess<Payload: Encodable & Sendable>: ResponseEncodable {
    var success = true
    var data: Payload

    init(_ data: Payload) { self.data = data }
}

/// The native error body.
struct NativeFailure: ResponseEncodable {
    var success = false
    var error: ErrorDetail
}

/// `{"code", "message", "details": {"request_id"}}`: the error object of the native and
/// operators dialects. `details` is left out when the request has no id (never through the server).
struct ErrorDetail: Codable, Sendable {
    struct Details: Codable, Sendable {
        var request_id: String
    }

    var code: String
    var message: String
    var details: Details?

    init(code: String, message: String, requestID: String? = nil) {
        self.code = code
        self.message = message
        self.details = requestID.map { Details(request_id: $0) }
    }

    init(_ failure: APIError, requestID: String?) {
        self.init(code: failure.code, message: failure.message, requestID: requestID)
    }
}

extension APIError {
    /// Any error, as the API reports it. Unknown errors are a 500 (and a bug).
    static func from(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as EngineError: return APIError(error)
        case let error as ClusterWriteError: return APIError(EngineError.cluster(error) ?? .conflict("\(error)"))
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, code: "NOT_FOUND", message: "no such route")
            case .contentTooLarge: return .payloadTooLarge("request body is too large")
            case .methodNotAllowed: return APIError(.methodNotAllowed, code: "METHOD_NOT_ALLOWED", message: "method not allowed")
            case .unauthorized: return .unauthorized(error.body ?? "missing or invalid authorization")
            default:
                if (400..<500).contains(error.status.code) {
                    return APIError(error.status, code: "VALIDATION_ERROR", message: error.body ?? error.status.reasonPhrase)
                }
            }
        case let error as LogError:
            logger.critical("write-ahead log failure while serving", metadata: ["parley.error": "\(error)"])
            return APIError(.serviceUnavailable, code: "SERVICE_UNAVAILABLE", message: "the server cannot store writes")
        case is HistoryError, is ColdHistoryError:
            // A history file damaged or gone while serving (the start checked them): the disk's
            // fault, not the request's; newer messages and writes still work.
            logger.critical("a history file cannot be read", metadata: ["parley.error": "\(error)"])
            return APIError(
                .serviceUnavailable, code: "HISTORY_UNAVAILABLE", message: "older messages of this conversation cannot be read now")
        default:
            break
        }
        logger.error("unexpected error", metadata: ["parley.error": "\(error)"])
        return APIError(.internalServerError, code: "SERVER_ERROR", message: "internal server error")
    }
}
