/// The native dialect's id form (CONTRACT §2): a prefix and the integer, e.g. `site_1`,
/// `user_7`, `visitor_3`, `conv_456`, `msg_1024`.
public enum NativeID {
    public static func prefix(_ kind: EntityKind) -> String { staticPrefix(kind).description }

    /// ``prefix(_:)`` as static bytes, for writers that copy it without making a string.
    public static func staticPrefix(_ kind: EntityKind) -> StaticString {
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
        // Byte by byte over contiguous UTF-8, outside generic code: every client frame names a
        // conversation, and `hasPrefix` on `String` compares by Unicode rules, which an ASCII
        // prefix and ASCII digits never need.
        value(text.utf8, kind: Kind.kind).map { Identifier<Kind>($0) }
    }

    /// The ``parse(_:as:)`` of a `String`, without the generic path.
    public static func parse<Kind>(_ text: String, as _: Identifier<Kind>.Type = Identifier<Kind>.self) -> Identifier<Kind>? {
        value(text.utf8, kind: Kind.kind).map { Identifier<Kind>($0) }
    }

    /// The number of `<prefix of kind><digits>`, read from contiguous bytes where they are.
    private static func value(_ utf8: some Collection<UInt8>, kind: EntityKind) -> UInt64? {
        utf8.withContiguousStorageIfAvailable { number($0, kind: kind) } ?? number(Array(utf8), kind: kind)
    }

    private static func number(_ utf8: some Collection<UInt8>, kind: EntityKind) -> UInt64? {
        let prefix = staticPrefix(kind)
        let prefixBytes = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        guard utf8.starts(with: prefixBytes) else { return nil }
        let digits = utf8.dropFirst(prefixBytes.count)
        guard let first = digits.first, first != 48 || digits.count == 1 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= 48, byte <= 57 else { return nil }
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(UInt64(byte - 48))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }
}
