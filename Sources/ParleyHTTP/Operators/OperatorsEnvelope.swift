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
