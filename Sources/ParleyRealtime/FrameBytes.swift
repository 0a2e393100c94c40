/// Plain pointer writes into space a ``FrameJSON`` has reserved in its buffer: no capacity,
/// uniqueness or exclusivity check per write. Only ``FrameJSON`` makes one, inside
/// `ByteBuffer.writeWithUnsafeMutableBytes(minimumWritableBytes:)` with room for everything
/// its writer will put there (each member bounds its own length), and the pointer never
/// leaves that closure.
struct FrameBytes {
    /// The most decimal digits a `UInt64` takes (18446744073709551615).
    static let maxDigits = 20

    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    /// Bytes written so far.
    private(set) var count = 0

    init(_ space: UnsafeMutableRawBufferPointer) {
        // A reservation of at least one byte always has an address.
        self.base = space.baseAddress!
        self.capacity = space.count
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        assert(count < capacity, "FrameBytes: wrote past its reservation")
        base.storeBytes(of: value, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    mutating func bytes(_ source: UnsafeRawBufferPointer) {
        guard let start = source.baseAddress, !source.isEmpty else { return }
        assert(count + source.count <= capacity, "FrameBytes: wrote past its reservation")
        (base + count).copyMemory(from: start, byteCount: source.count)
        count += source.count
    }

    @inline(__always)
    mutating func staticString(_ text: StaticString) {
        bytes(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Lets `body` write into the next `count` bytes; it returns how many it wrote.
    @inline(__always)
    mutating func write(count: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) {
        assert(self.count + count <= capacity, "FrameBytes: wrote past its reservation")
        self.count += body(UnsafeMutableRawBufferPointer(start: base + self.count, count: count))
    }

    /// `value` in decimal (at most ``maxDigits`` bytes).
    mutating func digits(_ value: UInt64) {
        var length = 1
        var rest = value / 10
        while rest > 0 {
            length += 1
            rest /= 10
        }
        assert(count + length <= capacity, "FrameBytes: wrote past its reservation")
        rest = value
        for index in stride(from: count + length - 1, through: count, by: -1) {
            base.storeBytes(of: UInt8(truncatingIfNeeded: 48 + rest % 10), toByteOffset: index, as: UInt8.self)
            rest /= 10
        }
        count += length
    }

    /// The length of `utf8` as the inside of a JSON string (``string(_:escapedLength:)``).
    static func escapedLength(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        var length = utf8.count
        var index = 0
        // Eight bytes at a time while none of them needs an escape (nearly all text), then
        // byte by byte from the first word that has one.
        if let base = utf8.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= utf8.count, !needsEscape(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
            }
        }
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x09: length += 1
                default: length += 5
                }
            }
            index += 1
        }
        return length
    }

    /// Whether any byte of `word` is under 0x20, `"` or `\`, with no false negatives (a false
    /// positive only sends that word to the byte loop). The usual has-zero-byte test: for each
    /// byte b, `(b - k) & ~b & 0x80` is set when b < k (b < 0x80); `"` and `\` become zero bytes
    /// after an exclusive or.
    @inline(__always)
    private static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
        let control = (word &- ones &* 0x20) & ~word & highs != 0
        return control || hasZero(word ^ (ones &* UInt64(UInt8(ascii: "\"")))) || hasZero(word ^ (ones &* UInt64(UInt8(ascii: "\\"))))
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// A JSON string (RFC 8259 §7) of `escapedLength` + 2 bytes: `"` and `\` escaped, control
    /// characters as escapes, the rest as UTF-8 (slashes are not escaped, as with
    /// `.withoutEscapingSlashes`). `escapedLength` is ``escapedLength(_:)`` of `utf8`.
    mutating func string(_ utf8: UnsafeBufferPointer<UInt8>, escapedLength: Int) {
        byte(UInt8(ascii: "\""))
        guard escapedLength != utf8.count else {
            bytes(UnsafeRawBufferPointer(utf8))
            byte(UInt8(ascii: "\""))
            return
        }
        for value in utf8 {
            switch value {
            case UInt8(ascii: "\""): staticString("\\\"")
            case UInt8(ascii: "\\"): staticString("\\\\")
            case 0x0A: staticString("\\n")
            case 0x0D: staticString("\\r")
            case 0x09: staticString("\\t")
            case 0..<0x20:
                staticString("\\u00")
                byte(Self.hexDigits.utf8Start[Int(value >> 4)])
                byte(Self.hexDigits.utf8Start[Int(value & 0x0F)])
            default: byte(value)
            }
        }
        byte(UInt8(ascii: "\""))
    }
}
