/// Reads the frames of one segment's bytes and stops at the first one that is not valid.
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
        public var description: String { "offset \(offset): \(reason)" }
    }

    /// Scans `bytes`, the content of the segment that should start at `expectedFirstLSN`,
    /// calling `visit` for every valid record in order.
    public static func scan(
        _ bytes: UnsafeRawBufferPointer, expectedFirstLSN: UInt64, visit: (LogRecordView) throws -> Void = { _ in }
    ) rethrows -> Result {
        guard bytes.count >= SegmentFormat.headerSize else {
            return Result(
                firstLSN: expectedFirstLSN, recordCount: 0, validEnd: 0, lastCRC: 0,
                damage: Damage(offset: 0, reason: "segment header is cut short (\(bytes.count) bytes)"))
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
                damage: Damage(offset: 0, reason: reason))
        }
        var crc: UInt32 = header.littleEndian(at: 28)
        var offset = SegmentFormat.headerSize
        var lsn = expectedFirstLSN
        var damage: Damage?
        while offset < bytes.count {
            if let problem = frameProblem(bytes, at: offset) {
                damage = Damage(offset: offset, reason: problem)
                break
            }
            let length = Int(bytes.littleEndian(at: offset, as: UInt32.self))
            let storedCRC: UInt32 = bytes.littleEndian(at: offset + 4)
            let type = bytes[offset + 8]
            let payloadStart = offset + SegmentFormat.frameHeaderSize
            let payload = UnsafeRawBufferPointer(rebasing: bytes[payloadStart..<payloadStart + length])
            let computed = SegmentFormat.checksum(previous: crc, type: type, lsn: lsn, payload: payload)
            guard computed == storedCRC else {
                damage = Damage(offset: offset, reason: "checksum mismatch in the record with LSN \(lsn)")
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

    /// Checks a frame's structure (not its CRC); returns what is wrong, if anything.
    private static func frameProblem(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> String? {
        guard bytes.count - offset >= SegmentFormat.frameHeaderSize else {
            return "frame header cut short (\(bytes.count - offset) bytes left)"
        }
        let length = Int(bytes.littleEndian(at: offset, as: UInt32.self))
        guard length <= SegmentFormat.maxPayload else { return "frame length \(length) is out of range" }
        let size = SegmentFormat.frameSize(payloadCount: length)
        guard bytes.count - offset >= size else {
            return "frame of \(size) bytes cut short (\(bytes.count - offset) bytes left)"
        }
        if bytes[offset + 8] == 0 {
            return length == 0 ? "zeroed bytes where a frame should start" : "frame has record type 0"
        }
        guard bytes[offset + 9] == 0, bytes[offset + 10] == 0, bytes[offset + 11] == 0 else {
            return "frame reserved bytes are not zero"
        }
        let paddingStart = offset + SegmentFormat.frameHeaderSize + length
        for index in paddingStart..<offset + size where bytes[index] != 0 {
            return "frame padding is not zero"
        }
        return nil
    }
}
