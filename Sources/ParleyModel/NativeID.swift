/// The native dialect's id form (CONTRACT §2): a prefix and the integer, e.g. `site_1`,
/// `user_7`, `visitor_3`, `conv_456`, `msg_1024`.
public enum NativeID {
    public static func prefix(_ kind: EntityKind) -> String {
        switch kind {
        case .site: "site_"
        case .agent: "user_"
        case .visitor: "visitor_"
        case .conversation: "conv_"
        case .message: "msg_"
        case .file: "file_"
        case .notification: "notif_"
        case .webhook: "webhook_"
        case .knowledgeDocument: "doc_"
        case .channel: "channel_"
        }
    }

    public static func format<Kind>(_ id: Identifier<Kind>) -> String { prefix(Kind.kind) + String(id.rawValue) }

    /// Parses `text` as an id of `Kind`; `nil` when it is malformed (wrong prefix, not an
    /// integer in canonical form — no sign, no leading zero — or too large). `conv_0` is well
    /// formed: it names nothing (ids start at 1), so a lookup answers 404, not 400 (CONTRACT §7).
    public static func parse<Kind>(_ text: some StringProtocol, as _: Identifier<Kind>.Type = Identifier<Kind>.self)
        -> Identifier<Kind>?
    {
        let prefix = prefix(Kind.kind)
        guard text.hasPrefix(prefix) else { return nil }
        let digits = text.dropFirst(prefix.count)
        let bytes = digits.utf8
        guard let first = bytes.first, first != 48 || bytes.count == 1, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let value = UInt64(digits)
        else { return nil }
        return Identifier(value)
    }
}
