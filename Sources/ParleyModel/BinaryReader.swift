/// Reads what ``BinaryWriter`` wrote, checking every bound; malformed input throws ``CodecError``.
public struct BinaryReader: ~Copyable {
    private let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.offset = 0
    }

    public var isAtEnd: Bool { offset >= bytes.count }
    public var remaining: Int { bytes.count - offset }

    public mutating func readByte() throws(CodecError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readBool() throws(CodecError) -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        default: throw .malformed("bad boolean at offset \(offset - 1)")
        }
    }

    public mutating func readUInt64() throws(CodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            if shift == 63 && byte > 1 { throw .malformed("varint overflow at offset \(offset - 1)") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .malformed("varint too long at offset \(offset - 1)") }
        }
    }

    public mutating func readInt64() throws(CodecError) -> Int64 {
        let raw = try readUInt64()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    public mutating func readString() throws(CodecError) -> String {
        let length = try readUInt64()
        guard length <= UInt64(remaining) else { throw .truncated(offset: offset) }
        let count = Int(length)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        offset += count
        guard let text = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw .malformed("invalid UTF-8 at offset \(offset - count)")
        }
        return text
    }

    public mutating func readTimestamp() throws(CodecError) -> Timestamp {
        Timestamp(milliseconds: try readInt64())
    }

    public mutating func readID<Kind>(_: Kind.Type = Kind.self) throws(CodecError) -> Identifier<Kind> {
        Identifier(try readUInt64())
    }

    public mutating func readOptional<Value>(
        _ body: (inout BinaryReader) throws(CodecError) -> Value
    ) throws(CodecError) -> Value? {
        guard try readBool() else { return nil }
        return try body(&self)
    }

    /// Reads a one-byte enum raw value, refusing unknown ones.
    public mutating func readEnum<Value: RawRepresentable>(_: Value.Type) throws(CodecError) -> Value
    where Value.RawValue == UInt8 {
        let raw = try readByte()
        guard let value = Value(rawValue: raw) else {
            throw .malformed("unknown \(Value.self) value \(raw) at offset \(offset - 1)")
        }
        return value
    }
}

/// Why bytes could not be decoded.
public enum CodecError: Error, Hashable, Sendable, CustomStringConvertible {
    case truncated(offset: Int)
    case malformed(String)
    /// A record type this version does not know (written by a newer Parley).
    case unknownRecordType(UInt8)
    /// A codec version newer than this build understands.
    case unsupportedVersion(found: UInt8, supported: UInt8)

    public var description: String {
        switch self {
        case .truncated(let offset): "record truncated at payload offset \(offset)"
        case .malformed(let why): "malformed record: \(why)"
        case .unknownRecordType(let type): "unknown record type \(type) (written by a newer Parley?)"
        case .unsupportedVersion(let found, let supported):
            "codec version \(found) is newer than the supported version \(supported)"
        }
    }
}
