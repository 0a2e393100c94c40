/// The omni and gateway dialects' id form (CONTRACT §2): a UUID whose first group holds the kind
/// number and whose last 12 hex digits hold the integer, e.g. conversation 456 →
/// `00000004-0000-4000-8000-0000000001c8`.
///
/// Every omni frame carries several of these, so they are written and read as bytes: formatting
/// is one string of known length (or straight into a frame's buffer, ``write(kind:value:into:)``),
/// parsing one pass over the UTF-8 without a lowered copy.
public enum OmniID {
    /// The 16 bytes between the kind's 8 hex digits and the integer's.
    private static let middle: StaticString = "-0000-4000-8000-"
    private static let hexDigits: StaticString = "0123456789abcdef"

    public static func format<Kind>(_ id: Identifier<Kind>) -> String {
        format(kind: Kind.kind, value: id.rawValue)
    }

    /// The form of `value` as a `kind` id.
    public static func format(kind: EntityKind, value: UInt64) -> String {
        String(unsafeUninitializedCapacity: byteCount(value)) { bytes in
            write(kind: kind, value: value, into: UnsafeMutableRawBufferPointer(bytes))
        }
    }

    /// How many bytes the form of the integer `value` takes: 36, or more for an integer past
    /// 12 hex digits (which no id this server assigns reaches, and which ``parse(_:as:)`` refuses).
    public static func byteCount(_ value: UInt64) -> Int {
        24 + max(12, (64 - value.leadingZeroBitCount + 3) / 4)
    }

    /// Writes the form of `value` as a `kind` id at the start of `bytes` (which holds at least
    /// ``byteCount(_:)`` bytes); returns how many it wrote.
    public static func write(kind: EntityKind, value: UInt64, into bytes: UnsafeMutableRawBufferPointer) -> Int {
        let count = byteCount(value)
        precondition(bytes.count >= count, "OmniID.write: \(bytes.count) bytes for a form of \(count)")
        hex(UInt64(kind.rawValue), width: 8, into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<8]))
        middle.withUTF8Buffer { UnsafeMutableRawBufferPointer(rebasing: bytes[8..<24]).copyMemory(from: UnsafeRawBufferPointer($0)) }
        hex(value, width: count - 24, into: UnsafeMutableRawBufferPointer(rebasing: bytes[24..<count]))
        return count
    }

    /// Parses `text` as an id of `Kind` (lower- or upper-case hex); `nil` when it is not that
    /// kind's UUID form. The integer 0 is well formed and names nothing (a 404, CONTRACT §7).
    public static func parse<Kind>(_ text: some StringProtocol, as _: Identifier<Kind>.Type = Identifier<Kind>.self)
        -> Identifier<Kind>?
    {
        guard text.utf8.count == 36 else { return nil }
        let kind = UInt64(Kind.kind.rawValue)
        var value: UInt64 = 0
        var index = 0
        for byte in text.utf8 {
            switch index {
            case 0..<8:
                guard let digit = hexValue(byte), digit == (kind >> (4 * UInt64(7 - index))) & 0xF else { return nil }
            case 8..<24:
                guard byte == middle.utf8Start[index - 8] else { return nil }
            default:
                guard let digit = hexValue(byte) else { return nil }
                value = value << 4 | digit
            }
            index += 1
        }
        return Identifier(value)
    }

    /// `value`'s lower-case hex digits, right-aligned in `bytes` and padded with zeros.
    private static func hex(_ value: UInt64, width: Int, into bytes: UnsafeMutableRawBufferPointer) {
        var rest = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            bytes[index] = hexDigits.utf8Start[Int(rest & 0xF)]
            rest >>= 4
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
