import ParleyLog
import ParleyTestSupport

/// Helpers for driving a log on the in-memory disk.
enum LogFixture {
    static let directory = "/data/wal"

    static func payload(_ index: Int) -> [UInt8] {
        // Varying sizes so frames have different padding.
        Array("record-\(index)-".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: index % 23)
    }

    /// Writes `count` records into a fresh log and closes it.
    static func makeLog(count: Int, segmentBytes: Int = 1 << 20, fs: CrashSimulatingFileSystem = CrashSimulatingFileSystem()) throws
        -> CrashSimulatingFileSystem
    {
        let (log, _) = try RecordLog.open(configuration(fs, segmentBytes: segmentBytes))
        for index in 0..<count { _ = try log.append(type: 1, payload: payload(index)) }
        log.close()
        return fs
    }

    static func configuration(_ fs: any FileSystem, segmentBytes: Int = 1 << 20) -> RecordLog.Configuration {
        RecordLog.Configuration(directory: directory, fsync: .always, segmentBytes: segmentBytes, fileSystem: fs)
    }

    /// Every record, by opening the log (which repairs a torn tail).
    static func openAndRead(_ fs: any FileSystem) throws -> (RecordLog, RecordLog.OpenReport, [LogRecord]) {
        try openAndRead(configuration(fs))
    }

    /// Every record of the log `configuration` names, by opening it.
    static func openAndRead(_ configuration: RecordLog.Configuration) throws -> (RecordLog, RecordLog.OpenReport, [LogRecord]) {
        var records: [LogRecord] = []
        let (log, report) = try RecordLog.open(configuration, replayFrom: 0) { view in
            records.append(LogRecord(lsn: view.lsn, type: view.type, payload: Array(view.payload)))
        }
        return (log, report, records)
    }

    static func segmentPaths(_ fs: any FileSystem) throws -> [String] {
        try LogReader.segmentNames(fileSystem: fs, directory: directory).map { joinPath(directory, $0.name) }
    }

    /// Replaces a file's content durably.
    static func overwrite(_ fs: any FileSystem, _ path: String, with bytes: [UInt8]) throws {
        try fs.overwrite(path, with: bytes)
    }

    /// The byte offsets where each record's frame starts, and the end of the last frame.
    /// A segment's bytes without the zeros of its reserved space: the file as a log written
    /// without reservations (an older build's) has it, for tests that damage it on purpose.
    static func readSegment(_ fs: any FileSystem, _ path: String) throws -> [UInt8] {
        let bytes = try fs.readFile(path)
        return Array(bytes.prefix(frameBounds(bytes).last?.upperBound ?? SegmentFormat.headerSize))
    }

    static func frameBounds(_ bytes: [UInt8]) -> [Range<Int>] {
        var bounds: [Range<Int>] = []
        var offset = SegmentFormat.headerSize
        while offset + SegmentFormat.frameHeaderSize <= bytes.count {
            // Zeros to the end: the reserved space the records end in.
            if bytes[offset...].allSatisfy({ $0 == 0 }) { break }
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
            let size = SegmentFormat.frameSize(payloadCount: length)
            bounds.append(offset..<offset + size)
            offset += size
        }
        return bounds
    }
}
