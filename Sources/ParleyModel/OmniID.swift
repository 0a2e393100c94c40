/// The omni and gateway dialects' id form (CONTRACT §2): a UUID whose first group holds the kind
/// number and whose last 12 hex digits hold the integer, e.g. conversation 456 →
/// `00000004-0000-4000-8000-0000000001c8`.
public enum OmniID {
    public static func format<Kind>(_ id: Identifier<Kind>) -> String {
        let kind = hex(UInt64(Kind.kind.rawValue), width: 8)
        return "\(kind)-0000-4000-8000-\(hex(id.rawValue, width: 12))"
    }

    /// Parses `text` as an id of `Kind` (lower- or upper-case hex); `nil` when it is not that
    /// kind's UUID form. The integer 0 is well formed and names nothing (a 404, CONTRACT §7).
    public static func parse<Kind>(_ text: some StringProtocol, as _: Identifier<Kind>.Type = Identifier<Kind>.self)
        -> Identifier<Kind>?
    {
        let lowered = text.lowercased()
        let prefix = "\(hex(UInt64(Kind.kind.rawValue), width: 8))-0000-4000-8000-"
        guard lowered.utf8.count == prefix.utf8.count + 12, lowered.hasPrefix(prefix) else { return nil }
        let digits = lowered.dropFirst(prefix.count)
        guard digits.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
            let value = UInt64(digits, radix: 16)
        else { return nil }
        return Identifier(value)
    }

    static func hex(_ value: UInt64, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
