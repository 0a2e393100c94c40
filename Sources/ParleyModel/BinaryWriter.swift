/// Appends the codec's primitive values to a byte buffer: LEB128 varints, zig-zag signed
/// integers, length-prefixed UTF-8 strings and presence-flagged optionals.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// An unsigned LEB128 varint.
    public mutating func write(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A zig-zag encoded signed varint.
    public mutating func write(_ value: Int64) {
        write(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func write(_ value: String) {
        var text = value
        text.withUTF8 { utf8 in
            write(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func write(_ value: Timestamp) { write(value.milliseconds) }

    public mutating func write<Kind>(_ value: Identifier<Kind>) { write(value.rawValue) }

    /// Writes a presence byte, then the value when there is one.
    public mutating func writeOptional<Value>(_ value: Value?, _ body: (inout BinaryWriter, Value) -> Void) {
        guard let value else {
            write(false)
            return
        }
        write(true)
        body(&self, value)
    }

    public mutating func write(_ value: String?) { writeOptional(value) { $0.write($1) } }
    public mutating func write(_ value: Timestamp?) { writeOptional(value) { $0.write($1) } }
    public mutating func write(_ value: UInt64?) { writeOptional(value) { $0.write($1) } }
    public mutating func write<Kind>(_ value: Identifier<Kind>?) { writeOptional(value) { $0.write($1) } }
}
