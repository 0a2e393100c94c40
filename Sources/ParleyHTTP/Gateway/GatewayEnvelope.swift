import Foundation
import Hummingbird

/// The livechat gateway's `ResponseWrapper` (seed 001): `{success, data, error}` with
/// `error` a `CdpErrorResponse` on failure and `null` on success.
struct GatewaySuccess<Payload: Encodable & Sendable>: ResponseEncodable, Sendable {
    var success = true
    var data: Payload
    @ExplicitNull var error: GatewayFailure.CdpError?

    init(_ data: Payload) { self.data = data }
}

struct GatewayFailure: ResponseEncodable, Sendable {
    struct FieldError: Encodable, Sendable {
        var field: String
        var message: String
        var code: String
    }

    /// `CdpErrorResponse`: `errorId` is unique per error (quote it to support), `timestamp`
    /// is in ms since the epoch, `fieldErrors` name the request fields at fault.
    struct CdpError: Encodable, Sendable {
        var errorId: String
        var code: String
        var message: String
        var details: [String: String]
        var fieldErrors: [FieldError]
        var timestamp: Int64
        var meta: [String: String]
    }

    var success = false
    @ExplicitNull var data: String?
    var error: CdpError

    init(_ failure: APIError, path: String, requestID: String? = nil) {
        var details: [String: String] = [:]
        if let requestID { details["requestId"] = requestID }
        if let value = failure.value { details["rejectedValue"] = value }
        if let seconds = failure.retryAfterSeconds { details["retryAfterSeconds"] = String(seconds) }
        error = CdpError(
            errorId: UUID().uuidString.lowercased(), code: failure.code, message: failure.message, details: details,
            fieldErrors: failure.field.map { [FieldError(field: $0, message: failure.message, code: failure.code)] } ?? [],
            timestamp: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)), meta: ["path": path])
    }
}
