import Hummingbird

/// The chats dialect's bodies (seed 002, Pachca's shared API): `{"data": …}`, lists with
/// `meta.paginate.next_page`, errors `{"errors": [{"key", "value", "message", "code"}]}`.
struct ChatsData<Payload: Encodable & Sendable>: ResponseEncodable, Sendable {
    var data: Payload
}

struct ChatsPage: ResponseEncodable, Sendable {
    struct Paginate: Encodable, Sendable {
        /// The cursor of the next page; `null` on the last page.
        @ExplicitNull var next_page: String?
    }

    struct Meta: Encodable, Sendable {
        var paginate: Paginate
    }

    var data: [ChatsWire.Chat]
    var meta: Meta
}

/// One error item per failure: `key` the field at fault (`base` when no one field is),
/// `value` what was given there, `code` the stable code (CONTRACT §4).
struct ChatsFailure: ResponseEncodable {
    struct Item: Encodable, Sendable {
        var key: String
        @ExplicitNull var value: String?
        var message: String
        var code: String
    }

    var errors: [Item]
    /// The request's `X-Request-Id`, to quote to support.
    var request_id: String?

    init(_ failure: APIError, requestID: String? = nil) {
        errors = [Item(key: failure.field ?? "base", value: failure.value, message: failure.message, code: failure.code)]
        request_id = requestID
    }
}
