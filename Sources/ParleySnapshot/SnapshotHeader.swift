import ParleyLog

/// The fixed 128-byte header in front of a snapshot's LZ4 frame (snapshots/FORMAT.md).
///
///     0  magic "PRLYSNAP"        8  format version u16    10 body version u16   12 flags u32
///     16 LSN u64                 24 created-at ms i64      32 entity counts 8 × u64
///     96 body size u64           104 frame size u64        112 frame CRC32C u32
///     116 8 zero bytes           124 header CRC32C u32 (over bytes 0..<124)
public struct SnapshotHeader: Hashable, Sendable {
    public static let magic: [UInt8] = Array("PRLYSNAP".utf8)
    public static let formatVersion: UInt16 = 1
    public static let size = 128
    public static let countSlots = 8

    /// The version of the body codec (the owner's), so a reader can refuse a newer one.
    public var bodyVersion: UInt16
    /// Every log record up to and including this LSN is reflected in the snapshot.
    public var lsn: UInt64
    /// Milliseconds since the epoch.
    public var createdAt: Int64
    /// Entity counts, in the order the owner documents (8 slots, unused ones 0).
    public var counts: [UInt64]
    public var bodySize: UInt64
    public var frameSize: UInt64
    public var frameCRC: UInt32

    public init(
        bodyVersion: UInt16, lsn: UInt64, createdAt: Int64, counts: [UInt64], bodySize: UInt64, frameSize: UInt64,
        frameCRC: UInt32
    ) {
        self.bodyVersion = bodyVersion
        self.lsn = lsn
        self.createdAt = createdAt
        self.counts = Array((counts + repeatElement(0, count: Self.countSlots)).prefix(Self.countSlots))
        self.bodySize = bodySize
        self.frameSize = frameSize
        self.frameCRC = frameCRC
    }

    public var bytes: [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.size)
        func put<T: FixedWidthInteger>(_ value: T) {
            Swift.withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        put(Self.formatVersion)
        put(bodyVersion)
        put(UInt32(0))
        put(lsn)
        put(createdAt)
        for count in counts { put(count) }
        put(bodySize)
        put(frameSize)
        put(frameCRC)
        bytes.append(contentsOf: repeatElement(0, count: 8))
        put(CRC32C.checksum(bytes))
        return bytes
    }

    /// Parses and checks a header.
    public init(parsing raw: UnsafeRawBufferPointer) throws(SnapshotError) {
        guard raw.count >= Self.size else { throw .damaged("header cut short (\(raw.count) bytes)") }
        func get<T: FixedWidthInteger>(_ offset: Int, _: T.Type = T.self) -> T {
            T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        guard raw.prefix(8).elementsEqual(Self.magic) else { throw .damaged("not a Parley snapshot (bad magic)") }
        let storedCRC: UInt32 = get(124)
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<124])) == storedCRC else {
            throw .damaged("header checksum mismatch")
        }
        let version: UInt16 = get(8)
        guard version <= Self.formatVersion else {
            throw .damaged("snapshot format version \(version) is newer than this build (\(Self.formatVersion))")
        }
        self.init(
            bodyVersion: get(10), lsn: get(16), createdAt: get(24),
            counts: (0..<Self.countSlots).map { get(32 + $0 * 8) }, bodySize: get(96), frameSize: get(104),
            frameCRC: get(112))
    }
}
