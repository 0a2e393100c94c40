import ParleyModel

/// The `chat` object of a create or update body (`{"chat": {name, member_ids, channel,
/// public}}`), each field checked with its name for the error's `key`. Fields a client may not
/// set (`id`, `owner_id`, …) are ignored.
struct ChatFields: Sendable {
    var name: String?
    var memberIDs: [AgentID]?
    var channel: Bool?
    var isPublic: Bool?

    init(_ body: JSONValue) throws {
        guard case .object(let root) = body, case .object(let chat)? = root["chat"] else {
            throw APIError.invalid("chat", "is required: an object with the chat's fields")
        }
        switch chat["name"] {
        case nil, .null?: break
        case .string(let name)?:
            guard !name.allSatisfy(\.isWhitespace) else { throw APIError.invalid("name", value: name, "can't be blank") }
            guard name.utf8.count <= 256 else { throw APIError.invalid("name", "is longer than 256 bytes") }
            self.name = name
        case let other?: throw APIError.invalid("name", value: other.text, "must be a string")
        }
        switch chat["member_ids"] {
        case nil, .null?: break
        case .array(let items)?:
            memberIDs = try items.map { item in
                guard case .number(let number) = item, number >= 0, number < 9_007_199_254_740_992, number.rounded() == number else {
                    throw APIError.invalid("member_ids", value: item.text, "must hold user ids (integers)")
                }
                return AgentID(UInt64(number))
            }
        case let other?: throw APIError.invalid("member_ids", value: other.text, "must be an array of user ids")
        }
        channel = try Self.flag("channel", chat["channel"])
        isPublic = try Self.flag("public", chat["public"])
        switch chat["group_tag_ids"] {
        case nil, .null?: break
        case .array(let tags)? where tags.isEmpty: break
        case let other?: throw APIError.invalid("group_tag_ids", value: other.text, "is not supported: Parley has no group tags")
        }
    }

    private static func flag(_ field: String, _ value: JSONValue?) throws -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case let other?: throw APIError.invalid(field, value: other.text, "must be true or false")
        }
    }
}
