/// Reads a log directory without changing it: for `wal inspect`, `wal verify`, restores, and
/// for opening the log.
public enum LogReader {
    /// What one segment held.
    public struct SegmentReport: Sendable {
        public var name: String
        public var path: String
        public var firstLSN: UInt64
        public var recordCount: UInt64
        public var validEnd: Int
        public var fileSize: Int
        public var lastCRC: UInt32
        public var damage: SegmentScanner.Damage?
    }

    /// What a scan of the directory found. Scanning stops at the first damage or gap.
    public struct Report: Sendable {
        public var segments: [SegmentReport]
        /// A problem that stops reading: damage in a segment, or missing records between two.
        public var problem: LogError?
        /// The LSN after the last valid record (the first LSN of an empty log).
        public var nextLSN: UInt64?

        /// The damage is only a torn tail of the last segment (``SegmentScanner/isTear``), which
        /// opening the log repairs. Any other damage stops the start.
        public var isRepairableTail: Bool {
            guard let last = segments.last, last.damage?.isTear == true, problem?.location?.file == last.path else { return false }
            return true
        }
    }

    /// The LSNs the log holds once a start has repaired a tear of its last segment: the first
    /// segment's first LSN, and the LSN after the last valid record. Reads only the last
    /// segment (and changes nothing); `nil` for an empty log. For checks that must come before
    /// any repair.
    public static func bounds(directory: String, fileSystem: any FileSystem) throws -> (firstLSN: UInt64, nextLSN: UInt64)? {
        guard fileSystem.fileExists(directory) else { return nil }
        let names = try segmentNames(fileSystem: fileSystem, directory: directory)
        guard let first = names.first, let last = names.last else { return nil }
        let bytes = try fileSystem.readFile(joinPath(directory, last.name))
        let result = bytes.withUnsafeBytes { SegmentScanner.scan($0, expectedFirstLSN: last.firstLSN, visit: { _ in }) }
        return (first.firstLSN, result.nextLSN)
    }

    /// The segment files in `directory`, oldest first.
    public static func segmentNames(fileSystem: any FileSystem, directory: String) throws -> [(name: String, firstLSN: UInt64)] {
        try fileSystem.contentsOfDirectory(directory)
            .compactMap { name in SegmentFormat.firstLSN(fileName: name).map { (name, $0) } }
            .sorted { $0.firstLSN < $1.firstLSN }
    }

    /// Checks every segment in order, handing each valid record at or after `from` to `visit`.
    public static func scan(
        directory: String, fileSystem: any FileSystem = PosixFileSystem(), from: UInt64 = 0,
        visit: (LogRecordView) throws -> Void = { _ in }
    ) throws -> Report {
        var report = Report(segments: [], problem: nil, nextLSN: nil)
        for (name, firstLSN) in try segmentNames(fileSystem: fileSystem, directory: directory) {
            if let expected = report.nextLSN, expected != firstLSN {
                report.problem = .gap(file: joinPath(directory, name), expectedLSN: expected, foundLSN: firstLSN)
                return report
            }
            let path = joinPath(directory, name)
            let bytes = try fileSystem.readFile(path)
            let result = try bytes.withUnsafeBytes { raw in
                try SegmentScanner.scan(raw, expectedFirstLSN: firstLSN) { record in
                    if record.lsn >= from { try visit(record) }
                }
            }
            report.segments.append(
                SegmentReport(
                    name: name, path: path, firstLSN: firstLSN, recordCount: result.recordCount,
                    validEnd: result.validEnd, fileSize: bytes.count, lastCRC: result.lastCRC, damage: result.damage))
            report.nextLSN = result.nextLSN
            if let damage = result.damage {
                report.problem = .corrupt(file: path, offset: damage.offset, reason: damage.reason)
                return report
            }
        }
        return report
    }
}
