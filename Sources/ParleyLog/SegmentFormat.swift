/// The on-disk layout of a log segment (snapshots/FORMAT.md has the picture).
///
/// A segment is named `<first LSN, 20 digits>.wal` and starts with a 32-byte header:
/// magic `PRLYWAL\0`, format version (u16), 18 zero bytes with the first LSN (u64) at offset
/// 16, and the header's CRC32C (u32) at offset 28. Frames follow, each starting at an 8-byte
/// aligned offset, so a frame's length field never straddles a 512-byte sector:
///
///     u32 payload length | u32 CRC32C | u8 type | 3 zero bytes | payload | zero padding to 8
///
/// The CRC is chained: it continues from the previous frame's CRC (the header CRC for the
/// first frame) over the type byte, the record's LSN (u64 LE) and the payload, so a frame is
/// valid only in its place. All integers are little-endian.
public enum SegmentFormat {
    public static let magic: [UInt8] = Array("PRLYWAL".utf8) + [0]
    public static let version: UInt16 = 1
    public static let headerSize = 32
    public static let frameHeaderSize = 12
    public static let alignment = 8
    /// The largest payload one frame may carry.
    public static let maxPayload = 64 << 20
    public static let fileExtension = ".wal"

    /// The file name of the segment whose first record has `lsn`.
    public static func fileName(firstLSN lsn: UInt64) -> String {
        let digits = String(lsn)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + fileExtension
    }

    /// The first LSN named by a segment file name, or `nil` for other files.
    public static func firstLSN(fileName name: String) -> UInt64? {
        guard name.count == 20 + fileExtension.count, name.hasSuffix(fileExtension) else { return nil }
        return UInt64(name.prefix(20))
    }

    /// The header bytes of a segment that starts at `firstLSN`.
    public static func header(firstLSN: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.appendLittleEndian(version)
        bytes.append(contentsOf: [UInt8](repeating: 0, count: 6))
        bytes.appendLittleEndian(firstLSN)
        bytes.append(contentsOf: [0, 0, 0, 0])
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        return bytes
    }

    /// The total size of a frame with `payloadCount` bytes, padding included.
    @inlinable
    public static func frameSize(payloadCount: Int) -> Int {
        (frameHeaderSize + payloadCount + alignment - 1) & ~(alignment - 1)
    }

    /// The chained checksum of one record.
    public static func checksum(previous: UInt32, type: UInt8, lsn: UInt64, payload: UnsafeRawBufferPointer) -> UInt32 {
        var prefix: (UInt8, UInt64) = (type, lsn.littleEndian)
        let head = withUnsafeBytes(of: &prefix.0) { CRC32C.update(previous, $0) }
        let withLSN = withUnsafeBytes(of: &prefix.1) { CRC32C.update(head, $0) }
        return CRC32C.update(withLSN, payload)
    }

    /// Appends one frame to `buffer`; returns its chained checksum.
    public static func appendFrame(
        to buffer: inout [UInt8], previousCRC: UInt32, type: UInt8, lsn: UInt64, payload: UnsafeRawBufferPointer
    ) -> UInt32 {
        let crc = checksum(previous: previousCRC, type: type, lsn: lsn, payload: payload)
        buffer.appendLittleEndian(UInt32(payload.count))
        buffer.appendLittleEndian(crc)
        buffer.append(contentsOf: [type, 0, 0, 0])
        buffer.append(contentsOf: payload)
        let padding = frameSize(payloadCount: payload.count) - frameHeaderSize - payload.count
        if padding > 0 { buffer.append(contentsOf: repeatElement(0, count: padding)) }
        return crc
    }
}

extension Array where Element == UInt8 {
    @inlinable
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    @inlinable
    func littleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
