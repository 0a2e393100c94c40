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

    /// Parses `text` as an id of `Kind`; `nil` when it is malformed (wrong prefix, not a
    /// positive integer in canonical form — no sign, no leading zero — or too large).
    public static func parse<Kind>(_ text: some StringProtocol, as _: Identifier<Kind>.Type = Identifier<Kind>.self)
        -> Identifier<Kind>?
    {
        let prefix = prefix(Kind.kind)
        guard text.hasPrefix(prefix) else { return nil }
        let digits = text.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.utf8.first != 48, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let value = UInt64(digits), value > 0
        else { return nil }
        return Identifier(value)
    }
}
