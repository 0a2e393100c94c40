/// Reads the frames of one segment's bytes and stops at the first one that is not valid (or at
/// the zeros of the reserved space the records end in).
///
/// Every bit of a frame is checked: the length must fit, the type must not be 0, the reserved
/// and padding bytes must be zero and the chained CRC must match.
public struct SegmentScanner {
    /// What a scan found.
    public struct Result: Sendable {
        public var firstLSN: UInt64
        public var recordCount: UInt64
        /// The offset just past the last valid frame (the header size for an empty segment).
        public var validEnd: Int
        /// The chained CRC after the last valid frame.
        public var lastCRC: UInt32
        /// Why scanning stopped before the end of the bytes, if it did.
        public var damage: Damage?

        /// The LSN the next record appended to this segment gets.
        public var nextLSN: UInt64 { firstLSN + recordCount }
    }

    /// Where and why a segment stops being valid.
    public struct Damage: Hashable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        /// Whether this is what an interrupted append leaves (``SegmentScanner/isTear``), the only
        /// damage a start may repair by itself, and only in the last segment.
        public var isTear: Bool = false
        public var description: String { "offset \(offset): \(reason)" }
    }

    /// What an append cut short by a crash or power loss can leave at the first damaged frame
    /// (zeros from it to the end of the file are no damage at all, but the reserved space the
    /// records end in): the file ends inside it (or inside the segment header); its start is zero up to the end of its sector (the unsynced part of a sector that was
    /// lost, though its header may run on into a later sector that was written); or a 512-byte sector that it overlaps is all zero (the last sector of the file counts
    /// when at least 32 bytes of it are there) — a disk keeps or loses unsynced sectors one by
    /// one, and lost ones read as zeros, which is how etcd's WAL reads a torn entry. Anything
    /// else — a flipped bit, a few zeroed bytes or garbage in a complete frame, a damaged or
    /// newer header — is corruption, which no start repairs by itself. Two cases the format
    /// cannot tell apart, here as in etcd: a flipped length bit that points past the end of the
    /// file reads as a frame cut short, and a medium that zeroes a whole sector of synced data
    /// reads as a torn write (the cut bytes are kept either way).
    static func isTear(_ bytes: UnsafeRawBufferPointer, at offset: Int, cutShort: Bool, frameEnd: Int?) -> Bool {
        if cutShort { return true }
        if bytes[offset...].allSatisfy({ $0 == 0 }) { return true }
        // A frame whose start was lost: zeros from its first byte to its sector's end (at least
        // 8 bytes, frames being 8-aligned: a zero length and a zero CRC), even when its header
        // runs on into the next sector, which was written.
        let sectorEnd = min((offset / 512 + 1) * 512, bytes.count)
        if bytes[offset..<sectorEnd].allSatisfy({ $0 == 0 }) { return true }
        let end = max(offset + 1, min(frameEnd ?? bytes.count, bytes.count))
        var sector = (offset / 512) * 512
        while sector < end {
            let sectorEnd = min(sector + 512, bytes.count)
            if sectorEnd - sector == 512 || sectorEnd - sector >= 32, bytes[sector..<sectorEnd].allSatisfy({ $0 == 0 }) { return true }
            sector += 512
        }
        return false
    }

    /// Scans `bytes`, the content of the segment that should start at `expectedFirstLSN`,
    /// calling `visit` for every valid record in order.
    public static func scan(
        _ bytes: UnsafeRawBufferPointer, expectedFirstLSN: UInt64, visit: (LogRecordView) throws -> Void = { _ in }
    ) rethrows -> Result {
        guard bytes.count >= SegmentFormat.headerSize else {
            return Result(
                firstLSN: expectedFirstLSN, recordCount: 0, validEnd: 0, lastCRC: 0,
                damage: Damage(offset: 0, reason: "segment header is cut short (\(bytes.count) bytes)", isTear: true))
        }
        let header = UnsafeRawBufferPointer(rebasing: bytes[0..<SegmentFormat.headerSize])
        let expected = SegmentFormat.header(firstLSN: expectedFirstLSN)
        guard header.elementsEqual(expected) else {
            let reason =
                header.prefix(8).elementsEqual(SegmentFormat.magic)
                ? (header.littleEndian(at: 8, as: UInt16.self) > SegmentFormat.version
                    ? "segment format version \(header.littleEndian(at: 8, as: UInt16.self)) is newer than this build"
                    : "segment header does not match its name (first LSN \(expectedFirstLSN)) or fails its checksum")
                : "not a Parley log segment (bad magic)"
            return Result(
                firstLSN: expectedFirstLSN, recordCount: 0, validEnd: 0, lastCRC: 0,
                damage: Damage(offset: 0, reason: reason, isTear: bytes.allSatisfy { $0 == 0 }))
        }
        var crc: UInt32 = header.littleEndian(at: 28)
        var offset = SegmentFormat.headerSize
        var lsn = expectedFirstLSN
        var damage: Damage?
        while offset < bytes.count {
            if let problem = frameProblem(bytes, at: offset) {
                // Zeros from here to the end of the file: the segment's reserved space
                // (snapshots/FORMAT.md), where its records end. Not damage.
                if isZero(bytes, from: offset) { break }
                damage = Damage(
                    offset: offset, reason: problem.reason,
                    isTear: isTear(bytes, at: offset, cutShort: problem.cutShort, frameEnd: problem.frameEnd))
                break
            }
            let length = Int(bytes.littleEndian(at: offset, as: UInt32.self))
            let storedCRC: UInt32 = bytes.littleEndian(at: offset + 4)
            let type = bytes[offset + 8]
            let payloadStart = offset + SegmentFormat.frameHeaderSize
            let payload = UnsafeRawBufferPointer(rebasing: bytes[payloadStart..<payloadStart + length])
            let computed = SegmentFormat.checksum(previous: crc, type: type, lsn: lsn, payload: payload)
            guard computed == storedCRC else {
                let end = payloadStart - SegmentFormat.frameHeaderSize + SegmentFormat.frameSize(payloadCount: length)
                damage = Damage(
                    offset: offset, reason: "checksum mismatch in the record with LSN \(lsn)",
                    isTear: isTear(bytes, at: offset, cutShort: false, frameEnd: end))
                break
            }
            try visit(LogRecordView(lsn: lsn, type: type, payload: payload, offset: offset))
            crc = computed
            lsn += 1
            offset += SegmentFormat.frameSize(payloadCount: length)
        }
        return Result(
            firstLSN: expectedFirstLSN, recordCount: lsn - expectedFirstLSN, validEnd: offset, lastCRC: crc,
            damage: damage)
    }

    /// Whether every byte from `offset` to the end is zero.
    static func isZero(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Bool {
        UnsafeRawBufferPointer(rebasing: bytes[offset...]).allSatisfy { $0 == 0 }
    }

    /// Checks a frame's structure (not its CRC); returns what is wrong, if anything: whether the
    /// file ends inside the frame, and where the frame ends when its length is known.
    private static func frameProblem(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (reason: String, cutShort: Bool, frameEnd: Int?)? {
        guard bytes.count - offset >= SegmentFormat.frameHeaderSize else {
            return ("frame header cut short (\(bytes.count - offset) bytes left)", true, nil)
        }
        let length = Int(bytes.littleEndian(at: offset, as: UInt32.self))
        guard length <= SegmentFormat.maxPayload else { return ("frame length \(length) is out of range", false, nil) }
        let size = SegmentFormat.frameSize(payloadCount: length)
        guard bytes.count - offset >= size else {
            return ("frame of \(size) bytes cut short (\(bytes.count - offset) bytes left)", true, nil)
        }
        if bytes[offset + 8] == 0 {
            return (length == 0 ? "zeroed bytes where a frame should start" : "frame has record type 0", false, offset + size)
        }
        guard bytes[offset + 9] == 0, bytes[offset + 10] == 0, bytes[offset + 11] == 0 else {
            return ("frame reserved bytes are not zero", false, offset + size)
        }
        let paddingStart = offset + SegmentFormat.frameHeaderSize + length
        for index in paddingStart..<offset + size where bytes[index] != 0 {
            return ("frame padding is not zero", false, offset + size)
        }
        return nil
    }
}
