import ParleyLog

/// The fixed parts of a history file (snapshots/FORMAT.md, "History file"): the 32-byte header
/// and footer, the 16-byte block head, and the limits of a block.
public enum HistoryFileFormat {
    public static let formatVersion: UInt16 = 1
    public static let headerMagic: [UInt8] = Array("PRLYHIST".utf8)
    public static let footerMagic: [UInt8] = Array("PRLYHEND".utf8)
    public static let headerSize = 32
    public static let footerSize = 32
    public static let blockHeadSize = 16
    /// A block closes before its messages pass this many bytes uncompressed...
    public static let blockBytes = 64 << 10
    /// ... or this many messages.
    public static let blockMessages = 256

    /// `history-<20-digit number>.hist`.
    public static func fileName(number: UInt64) -> String {
        let digits = String(number)
        return "history-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".hist"
    }

    /// The number in a file name `fileName(number:)` made, or `nil`.
    public static func number(fromFileName name: String) -> UInt64? {
        guard name.hasPrefix("history-"), name.hasSuffix(".hist") else { return nil }
        let digits = name.dropFirst("history-".count).dropLast(".hist".count)
        guard digits.count == 20, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return UInt64(digits)
    }

    static func header(codecVersion: UInt16, number: UInt64) -> [UInt8] {
        var bytes = headerMagic
        bytes.reserveCapacity(headerSize)
        bytes.appendLittleEndian(formatVersion)
        bytes.appendLittleEndian(codecVersion)
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(number)
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        return bytes
    }

    static func footer(indexOffset: UInt64, indexSize: UInt32, indexCRC: UInt32, messages: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(footerSize)
        bytes.appendLittleEndian(indexOffset)
        bytes.appendLittleEndian(indexSize)
        bytes.appendLittleEndian(indexCRC)
        bytes.appendLittleEndian(messages)
        bytes.append(contentsOf: footerMagic)
        return bytes
    }

    /// The 16-byte head of a block whose LZ4 frame is `frame`; its CRC covers the head's first
    /// 12 bytes and the frame.
    static func blockHead(frame: [UInt8], uncompressed: Int, messages: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(blockHeadSize)
        bytes.appendLittleEndian(UInt32(frame.count))
        bytes.appendLittleEndian(UInt32(uncompressed))
        bytes.appendLittleEndian(UInt32(messages))
        bytes.appendLittleEndian(CRC32C.update(CRC32C.checksum(bytes), frame))
        return bytes
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    func littleEndian<T: FixedWidthInteger>(at offset: Int, as _: T.Type = T.self) -> T {
        withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}
