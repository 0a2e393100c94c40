import Logging

/// Opening a log directory: check every segment, replay, and cut a torn tail off the last one.
enum LogRecovery {
    struct Tail {
        var firstLSN: UInt64
        var validEnd: Int
        var lastCRC: UInt32
    }

    struct Outcome {
        var segments: [UInt64]
        var firstLSN: UInt64
        var nextLSN: UInt64
        /// The last segment, to keep appending to; `nil` when a new one must be created.
        var tail: Tail?
        var repair: RecordLog.Repair?
        var replayedRecords: Int
    }

    static func recover(
        fileSystem fs: any FileSystem, directory: String, initialLSN: UInt64, logger: Logger,
        replayFrom: UInt64, coveredBelow: UInt64?, replay: (LogRecordView) throws -> Void
    ) throws -> Outcome {
        var names = try LogReader.segmentNames(fileSystem: fs, directory: directory)
        // A segment whose successor starts at or below `coveredBelow` holds only records the
        // snapshot covers: one an interrupted ``RecordLog/removeSegments(whollyBelow:)`` left
        // behind (an unlink failed, or a power loss undid some). It may sit before a gap the
        // deletion made, so it is finished off here rather than read.
        var stale: [String] = []
        if let coveredBelow {
            for index in names.indices.dropLast() where names[index + 1].firstLSN <= coveredBelow { stale.append(names[index].name) }
        }
        if !stale.isEmpty {
            for name in stale { try fs.removeFile(joinPath(directory, name)) }
            try fs.syncDirectory(directory)
            logger.warning(
                "removed log segments a snapshot already covers (an interrupted deletion)",
                metadata: ["parley.segments": "\(stale)"])
            names = try LogReader.segmentNames(fileSystem: fs, directory: directory)
        }
        var replayed = 0
        let report = try LogReader.scan(directory: directory, fileSystem: fs, from: replayFrom) { record in
            try replay(record)
            replayed += 1
        }
        guard let lastReport = report.segments.last else {
            return Outcome(
                segments: [], firstLSN: initialLSN, nextLSN: initialLSN, tail: nil, repair: nil, replayedRecords: 0)
        }
        var repair: RecordLog.Repair?
        if let problem = report.problem {
            // Only a tear of the last segment may be repaired; any other damage, anywhere, or a
            // gap stops the start with the files untouched (`parley wal repair` is the way past).
            guard report.isRepairableTail, lastReport.name == names.last?.name, let damage = lastReport.damage else { throw problem }
            repair = try cutTail(fileSystem: fs, directory: directory, segment: lastReport, at: damage)
            logger.warning("repaired the log's torn tail", metadata: ["parley.repair": "\(repair!)"])
        }
        var segments = report.segments.map(\.firstLSN)
        // A segment whose header itself was torn is set aside whole and created again.
        let tail: Tail? =
            lastReport.validEnd > 0
            ? Tail(firstLSN: lastReport.firstLSN, validEnd: lastReport.validEnd, lastCRC: lastReport.lastCRC) : nil
        if tail == nil { segments.removeLast() }
        return Outcome(
            segments: segments, firstLSN: report.segments[0].firstLSN, nextLSN: report.nextLSN ?? initialLSN,
            tail: tail, repair: repair, replayedRecords: replayed)
    }

    /// Keeps the bytes from the damage on in a `.broken` file, then truncates the segment there.
    private static func cutTail(
        fileSystem fs: any FileSystem, directory: String, segment: LogReader.SegmentReport,
        at damage: SegmentScanner.Damage
    ) throws -> RecordLog.Repair {
        let bytes = try fs.readFile(segment.path)
        let offset = damage.offset
        var brokenName = "\(segment.name).\(offset).broken"
        var attempt = 1
        while fs.fileExists(joinPath(directory, brokenName)) {
            attempt += 1
            brokenName = "\(segment.name).\(offset).\(attempt).broken"
        }
        let broken = try fs.openForAppending(joinPath(directory, brokenName))
        try broken.append(Array(bytes[offset...]))
        try broken.sync()
        try broken.close()
        if offset == 0 {
            try fs.removeFile(segment.path)
        } else {
            try fs.truncateFile(segment.path, to: offset)
        }
        try fs.syncDirectory(directory)
        return RecordLog.Repair(
            file: segment.path, offset: offset, reason: damage.reason, brokenFile: joinPath(directory, brokenName),
            bytesCut: bytes.count - offset)
    }
}
