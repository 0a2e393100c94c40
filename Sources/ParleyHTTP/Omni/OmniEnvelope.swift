public import Hummingbird
import HTTPTypes

/// The omni dialect's envelope (CONTRACT §1): `{"data": …, "meta": …}`; errors
/// `{"detail", "code"}`, with validation failures as 422 (seed 003).
struct OmniData<Payload: Encodable & Sendable>: ResponseEncodable {
    var data: Payload

    init(_ data: Payload) { self.data = data }
}

/// The paging block of omni lists (seed 003).
struct OmniMeta: Encodable, Sendable {
    var total: Int
    var page: Int
    var per_page: Int
}

/// A list answer: `{"data": [...], "meta": {...}}`.
struct OmniList<Item: Encodable & Sendable, Meta: Encodable & Sendable>: ResponseEncodable {
    var data: [Item]
    var meta: Meta
}

struct OmniFailure: ResponseEncodable {
    var detail: String
    var code: String
    /// The request's `X-Request-Id`, to quote to support.
    var request_id: String?
}
