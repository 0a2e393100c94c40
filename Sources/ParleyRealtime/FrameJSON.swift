import NIOCore
public import ParleyModel

/// Writes the JSON of the frames sent most (messages and acks) straight into the bytes of a
/// ``WireFrame``: no `Encodable` reflection, no intermediate `Data`, one allocation. Foundation's
/// `JSONEncoder` cost more than the routing itself on the fan-out path. The rest of the frames
/// still go through ``FrameEncoder``; `FrameJSONTests` checks that both give the same JSON.
///
/// ```swift
/// let frame = FrameJSON.frame { json in
///     json.field("type", "ack")
///     json.field("seq", 7)
/// }   // {"type":"ack","seq":7}
/// ```
public struct FrameJSON: ~Copyable {
    private var buffer: ByteBuffer
    /// One bit per open object, innermost lowest: whether it has a member yet.
    private var hasMembers: UInt64 = 0

    private init(buffer: consuming ByteBuffer) { self.buffer = buffer }

    /// A frame holding one JSON object written by `body`.
    public static func frame(capacity: Int = 256, _ body: (inout FrameJSON) -> Void) -> WireFrame {
        WireFrame.build(capacity: capacity) { bytes in
            var json = FrameJSON(buffer: bytes)
            json.buffer.writeInteger(UInt8(ascii: "{"))
            body(&json)
            json.buffer.writeInteger(UInt8(ascii: "}"))
            bytes = json.buffer
        }
    }

    public mutating func field(_ key: StaticString, _ value: String?) {
        guard let value else { return }  // like JSONEncoder: a nil optional is left out
        self.key(key)
        writeString(value)
    }

    public mutating func field(_ key: StaticString, _ value: UInt64) {
        self.key(key)
        writeDigits(value)
    }

    /// `"key":"<prefix><id>"`, an id in the native form (`conv_12`) without making the string.
    public mutating func field<Kind>(_ key: StaticString, nativeID id: Identifier<Kind>) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeString(NativeID.prefix(Kind.kind))
        writeDigits(id.rawValue)
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// `"key":"<uuid>"`, an id in the omni form (`00000004-…-0000000001c8`) without making the string.
    public mutating func field<Kind>(_ key: StaticString, omniID id: Identifier<Kind>) {
        field(key, omniKind: Kind.kind, value: id.rawValue)
    }

    /// `"key":"<uuid>"` for the integer `value` as a `kind` id.
    public mutating func field(_ key: StaticString, omniKind kind: EntityKind, value: UInt64) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: OmniID.byteCount(value)) { bytes in
            OmniID.write(kind: kind, value: value, into: bytes)
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// `value` in decimal, written in one piece.
    private mutating func writeDigits(_ value: UInt64) {
        guard value >= 10 else {
            buffer.writeInteger(UInt8(truncatingIfNeeded: 48 + value))
            return
        }
        var count = 1
        var rest = value / 10
        while rest > 0 { count += 1; rest /= 10 }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            var rest = value
            for index in stride(from: count - 1, through: 0, by: -1) {
                bytes[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                rest /= 10
            }
            return count
        }
    }

    public mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        buffer.writeStaticString(value ? "true" : "false")
    }

    /// `"key":[]`.
    public mutating func emptyArray(_ key: StaticString) {
        self.key(key)
        buffer.writeStaticString("[]")
    }

    /// `"key":["…", …]`.
    public mutating func array(_ key: StaticString, _ values: [String]) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            writeString(value)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    /// `"key":{…}` with the members `body` writes.
    public mutating func object(_ key: StaticString, _ body: (inout FrameJSON) -> Void) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "{"))
        hasMembers <<= 1
        body(&self)
        hasMembers >>= 1
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func key(_ key: StaticString) {
        buffer.writeStaticString(hasMembers & 1 == 1 ? ",\"" : "\"")
        hasMembers |= 1
        buffer.writeStaticString(key)
        buffer.writeStaticString("\":")
    }

    /// A JSON string (RFC 8259 §7): `"` and `\` escaped, control characters as escapes, the
    /// rest as UTF-8 (slashes are not escaped, as with `.withoutEscapingSlashes`).
    private mutating func writeString(_ value: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[start..<index]))
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(Self.hexDigits[Int(byte >> 4)])
                    buffer.writeInteger(Self.hexDigits[Int(byte & 0x0F)])
                }
                start = index + 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[start...]))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
