public import Hummingbird
import HTTPTypes

/// The operators dialect's error body (seed 000 shows none): `{"error": {"code", "message",
/// "details": {"request_id"}}}`, validation failures 400. Success bodies are the seed's bare objects.
struct OperatorsFailure: ResponseEncodable {
    var error: ErrorDetail
}
