import NIOCore
public import ParleyModel

/// Writes the JSON of the frames sent most (messages and acks) straight into the bytes of a
/// ``WireFrame``: no `Encodable` reflection, no intermediate `Data`, one allocation. Foundation's
/// `JSONEncoder` cost more than the routing itself on the fan-out path. The rest of the frames
/// still go through ``FrameEncoder``; `FrameJSONTests` checks that both give the same JSON.
///
/// Each member (its comma, key and value) is one reservation of the buffer and then plain
/// pointer writes (``FrameBytes``): a `ByteBuffer` write checks capacity, uniqueness and
/// exclusivity each time, and writing a member in five or six of them was 14 % of `durable`'s
/// server CPU (docs/PERFORMANCE.md).
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

    /// A frame holding one JSON object written by `body`. `capacity` is a guess at the JSON's
    /// length: a longer frame grows its buffer (a copy), so guess high.
    public static func frame(capacity: Int = 256, _ body: (inout FrameJSON) -> Void) -> WireFrame {
        var json = FrameJSON(buffer: WireFrame.textBuffer(capacity: capacity))
        json.write(atMost: 1) { $0.byte(UInt8(ascii: "{")) }
        body(&json)
        json.write(atMost: 1) { $0.byte(UInt8(ascii: "}")) }
        // Moved out, not copied, so the header is written into a buffer with one owner.
        var text = ByteBuffer()
        swap(&text, &json.buffer)
        return WireFrame(framing: consume text)
    }

    public mutating func field(_ key: StaticString, _ value: String?) {
        guard let value else { return }  // like JSONEncoder: a nil optional is left out
        Self.withEscapedLength(value) { utf8, length in
            member(key, valueBytes: length + 2) { $0.string(utf8, escapedLength: length) }
        }
    }

    public mutating func field(_ key: StaticString, _ value: UInt64) {
        member(key, valueBytes: FrameBytes.maxDigits) { $0.digits(value) }
    }

    /// `"key":"<prefix><id>"`, an id in the native form (`conv_12`) without making the string.
    public mutating func field<Kind>(_ key: StaticString, nativeID id: Identifier<Kind>) {
        let prefix = NativeID.staticPrefix(Kind.kind)
        member(key, valueBytes: prefix.utf8CodeUnitCount + FrameBytes.maxDigits + 2) { bytes in
            bytes.byte(UInt8(ascii: "\""))
            bytes.staticString(prefix)
            bytes.digits(id.rawValue)
            bytes.byte(UInt8(ascii: "\""))
        }
    }

    /// `"key":"<uuid>"`, an id in the omni form (`00000004-…-0000000001c8`) without making the string.
    public mutating func field<Kind>(_ key: StaticString, omniID id: Identifier<Kind>) {
        field(key, omniKind: Kind.kind, value: id.rawValue)
    }

    /// `"key":"<uuid>"` for the integer `value` as a `kind` id.
    public mutating func field(_ key: StaticString, omniKind kind: EntityKind, value: UInt64) {
        let length = OmniID.byteCount(value)
        member(key, valueBytes: length + 2) { bytes in
            bytes.byte(UInt8(ascii: "\""))
            bytes.write(count: length) { OmniID.write(kind: kind, value: value, into: $0) }
            bytes.byte(UInt8(ascii: "\""))
        }
    }

    /// `"key":"<RFC 3339>"` (``Timestamp/rfc3339``) without making the string.
    public mutating func field(_ key: StaticString, _ time: Timestamp) {
        guard time.hasFourDigitYear else { return field(key, time.rfc3339) }
        let length = Timestamp.rfc3339ByteCount
        member(key, valueBytes: length + 2) { bytes in
            bytes.byte(UInt8(ascii: "\""))
            bytes.write(count: length) { time.writeRFC3339(into: $0.baseAddress!) ? length : 0 }
            bytes.byte(UInt8(ascii: "\""))
        }
    }

    public mutating func field(_ key: StaticString, _ value: Bool) {
        member(key, valueBytes: 5) { $0.staticString(value ? "true" : "false") }
    }

    /// `"key":[]`.
    public mutating func emptyArray(_ key: StaticString) {
        member(key, valueBytes: 2) { $0.staticString("[]") }
    }

    /// `"key":["…", …]`.
    public mutating func array(_ key: StaticString, _ values: [String]) {
        member(key, valueBytes: 1) { $0.byte(UInt8(ascii: "[")) }
        for (index, value) in values.enumerated() {
            Self.withEscapedLength(value) { utf8, length in
                write(atMost: length + 3) { bytes in
                    if index > 0 { bytes.byte(UInt8(ascii: ",")) }
                    bytes.string(utf8, escapedLength: length)
                }
            }
        }
        write(atMost: 1) { $0.byte(UInt8(ascii: "]")) }
    }

    /// `"key":{…}` with the members `body` writes.
    public mutating func object(_ key: StaticString, _ body: (inout FrameJSON) -> Void) {
        member(key, valueBytes: 1) { $0.byte(UInt8(ascii: "{")) }
        hasMembers <<= 1
        body(&self)
        hasMembers >>= 1
        write(atMost: 1) { $0.byte(UInt8(ascii: "}")) }
    }

    /// `value`'s UTF-8 and its length as the inside of a JSON string (``FrameBytes``), for a
    /// member or an array element to reserve room for it.
    private static func withEscapedLength(_ value: String, _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        var value = value
        value.withUTF8 { utf8 in body(utf8, FrameBytes.escapedLength(utf8)) }
    }

    /// One member, `,"key":` and the value `value` writes (at most `valueBytes` bytes), in one
    /// reservation of the buffer.
    @inline(__always)
    private mutating func member(_ key: StaticString, valueBytes: Int, _ value: (inout FrameBytes) -> Void) {
        let comma = hasMembers & 1 == 1
        hasMembers |= 1
        write(atMost: key.utf8CodeUnitCount + 4 + valueBytes) { bytes in
            if comma { bytes.byte(UInt8(ascii: ",")) }
            bytes.byte(UInt8(ascii: "\""))
            bytes.staticString(key)
            bytes.byte(UInt8(ascii: "\""))
            bytes.byte(UInt8(ascii: ":"))
            value(&bytes)
        }
    }

    /// Reserves `count` bytes and lets `body` write up to that many through a pointer.
    @inline(__always)
    private mutating func write(atMost count: Int, _ body: (inout FrameBytes) -> Void) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            var bytes = FrameBytes(raw)
            body(&bytes)
            return bytes.count
        }
    }
}
