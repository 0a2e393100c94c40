import ParleyModel

/// The chats and operators dialects' ids: the bare integer (CONTRACT §2), in canonical form
/// (digits only, no sign, no leading zero). `0` is well formed and names nothing (a 404).
enum BareID {
    static func parse<Kind>(_ text: String?, field: String, as _: Identifier<Kind>.Type = Identifier<Kind>.self) throws
        -> Identifier<Kind>
    {
        guard let text, let first = text.utf8.first, first != UInt8(ascii: "0") || text.utf8.count == 1,
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let value = UInt64(text)
        else { throw APIError.invalid(field, value: text, "must be a non-negative integer") }
        return Identifier(value)
    }
}
