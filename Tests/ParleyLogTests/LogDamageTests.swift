import ParleyLog
import ParleyTestSupport
import Testing

/// etcd-style damage tables. A tear of the last segment (the file ends inside a frame, zeros
/// after the last valid frame, a zeroed sector in the last frame) recovers exactly to the last
/// valid record, keeps the cut bytes in a `.broken` file, and the log then appends and
/// re-reads. Any other damage — a flipped bit in a complete frame, garbage, a damaged or newer
/// header, damage in any earlier segment — refuses to open, naming file and offset, and leaves
/// the files untouched: acknowledged records are never cut off without an operator's say.
/// (Until issue 15 the bit flips and zeroed sectors were cut off too; these tests changed with
/// the code.)
@Suite struct LogDamageTests {
    static let recordCount = 40

    /// Applies `damage` to the only segment, opens, and checks recovery to `survivors` records.
    func expectRecovery(survivors: Int, damage: ([UInt8]) -> [UInt8], _ comment: Comment) throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let path = try #require(try LogFixture.segmentPaths(fs).first)
        let original = try LogFixture.readSegment(fs, path)
        let damaged = damage(original)
        try LogFixture.overwrite(fs, path, with: damaged)

        let (log, report, records) = try LogFixture.openAndRead(fs)
        #expect(records.count == survivors, comment)
        #expect(records.map(\.payload) == (0..<survivors).map(LogFixture.payload), comment)
        #expect(report.nextLSN == UInt64(survivors + 1), comment)
        if damaged.count > (try fs.readFile(path)).count {
            let repair = try #require(report.repair, comment)
            #expect(try fs.readFile(repair.brokenFile) == Array(damaged[repair.offset...]), comment)
        }
        // The repaired log takes appends and reads them back after a reopen.
        let lsn = try log.append(type: 7, payload: [1, 2, 3])
        #expect(lsn == UInt64(survivors + 1), comment)
        log.close()
        let (again, reopenReport, reread) = try LogFixture.openAndRead(fs)
        again.close()
        #expect(reopenReport.repair == nil, comment)
        #expect(reread.count == survivors + 1, comment)
        #expect(reread.last == LogRecord(lsn: lsn, type: 7, payload: [1, 2, 3]), comment)
    }

    @Test func truncationAtEveryOffsetOfTheLastThreeRecords() throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let bounds = LogFixture.frameBounds(try LogFixture.readSegment(fs, try LogFixture.segmentPaths(fs)[0]))
        #expect(bounds.count == Self.recordCount)
        let firstCut = bounds[bounds.count - 3].lowerBound
        for cut in firstCut..<bounds[bounds.count - 1].upperBound {
            let survivors = bounds.filter { $0.upperBound <= cut }.count
            try expectRecovery(survivors: survivors, damage: { Array($0.prefix(cut)) }, "cut at \(cut)")
        }
    }

    /// Applies `damage` to the only segment and expects the open to refuse at `offset`, changing nothing.
    func expectRefusal(at offset: Int, damage: ([UInt8]) -> [UInt8], _ comment: Comment) throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let path = try #require(try LogFixture.segmentPaths(fs).first)
        let damaged = damage(try LogFixture.readSegment(fs, path))
        try LogFixture.overwrite(fs, path, with: damaged)
        do {
            _ = try LogFixture.openAndRead(fs)
            Issue.record("opened a log with corruption: \(comment)")
        } catch let error as LogError {
            #expect(error.location?.file == path, comment)
            #expect(error.location?.offset == offset, comment)
        }
        #expect(try fs.readFile(path) == damaged, comment)
        #expect(try fs.contentsOfDirectory(LogFixture.directory).allSatisfy { !$0.hasSuffix(".broken") }, comment)
    }

    @Test func everyBitFlipOfTheLastRecordRefuses() throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let bytes = try LogFixture.readSegment(fs, try LogFixture.segmentPaths(fs)[0])
        let last = try #require(LogFixture.frameBounds(bytes).last)
        for byte in last {
            for bit in 0..<8 {
                var flipped = bytes
                flipped[byte] ^= 1 << bit
                // A flipped length bit that points past the end reads as a frame cut short: a tear
                // (the format cannot tell them apart, as in etcd's WAL). Every other flip refuses.
                let length = Int(UInt32(flipped[last.lowerBound]) | UInt32(flipped[last.lowerBound + 1]) << 8
                    | UInt32(flipped[last.lowerBound + 2]) << 16 | UInt32(flipped[last.lowerBound + 3]) << 24)
                if length <= SegmentFormat.maxPayload, SegmentFormat.frameSize(payloadCount: length) > bytes.count - last.lowerBound {
                    try expectRecovery(survivors: Self.recordCount - 1, damage: { _ in flipped }, "bit \(bit) of byte \(byte)")
                } else {
                    try expectRefusal(at: last.lowerBound, damage: { _ in flipped }, "bit \(bit) of byte \(byte)")
                }
            }
        }
    }

    @Test func aBitFlipInAnEarlierRecordOfTheLastSegmentRefuses() throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let bounds = LogFixture.frameBounds(try LogFixture.readSegment(fs, try LogFixture.segmentPaths(fs)[0]))
        for frame in [bounds[0], bounds[bounds.count / 2], bounds[bounds.count - 2]] {
            try expectRefusal(
                at: frame.lowerBound,
                damage: { bytes in
                    var copy = bytes
                    copy[frame.lowerBound + SegmentFormat.frameHeaderSize] ^= 0x04
                    return copy
                }, "frame at \(frame.lowerBound)")
        }
    }

    /// A lost sector (zeros) is a torn write wherever it falls in the last segment: the records
    /// before the first frame it touches survive, the rest is kept in a `.broken` file.
    @Test func zeroingEach512ByteSector() throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let original = try LogFixture.readSegment(fs, try LogFixture.segmentPaths(fs)[0])
        let bounds = LogFixture.frameBounds(original)
        #expect(original.count > 1024)
        for sector in stride(from: 512, to: original.count, by: 512) {
            var zeroed = original
            for index in sector..<min(sector + 512, zeroed.count) { zeroed[index] = 0 }
            // Records survive up to the first whose bytes changed.
            let survivors = bounds.prefix { original[$0] == zeroed[$0] }.count
            try expectRecovery(survivors: survivors, damage: { _ in zeroed }, "sector at \(sector)")
        }
    }

    @Test func aFewZeroedBytesInsideACompleteFrameRefuse() throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let bounds = LogFixture.frameBounds(try LogFixture.readSegment(fs, try LogFixture.segmentPaths(fs)[0]))
        let frame = bounds[bounds.count / 2]
        try expectRefusal(
            at: frame.lowerBound,
            damage: { bytes in
                var copy = bytes
                for index in (frame.lowerBound + SegmentFormat.frameHeaderSize)..<(frame.lowerBound + SegmentFormat.frameHeaderSize + 4) {
                    copy[index] = 0
                }
                return copy
            }, "four zeroed payload bytes")
    }

    /// Zeros after the last frame are the reserved space the records end in (or a tear that
    /// lost every unsynced byte, which reads the same): every record, nothing cut, no `.broken`
    /// file, and the next append lands right after the last frame. (Until the segments were
    /// reserved ahead this was a tear, cut off and kept in a `.broken` file; the test changed
    /// with the code.)
    @Test func zerosAfterTheLastFrameAreTheEnd() throws {
        try expectRecovery(survivors: Self.recordCount, damage: { $0 + [UInt8](repeating: 0, count: 4096) }, "zeroed tail")
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let path = try LogFixture.segmentPaths(fs)[0]
        let data = try LogFixture.readSegment(fs, path)
        try LogFixture.overwrite(fs, path, with: data + [UInt8](repeating: 0, count: 4096))
        let (log, report, records) = try LogFixture.openAndRead(fs)
        #expect(report.repair == nil)
        #expect(records.count == Self.recordCount)
        _ = try log.append(type: 3, payload: [42])
        log.close()
        #expect(try fs.contentsOfDirectory(LogFixture.directory).allSatisfy { !$0.hasSuffix(".broken") })
        let bounds = LogFixture.frameBounds(try fs.readFile(path))
        #expect(bounds.count == Self.recordCount + 1)
        #expect(bounds.last?.lowerBound == data.count)
    }

    /// A lost partial sector whose zeros end inside a frame header that runs on into the next,
    /// written sector: a tear (the fault-injection sweep found this shape).
    @Test func aFrameStartZeroToItsSectorEndIsATearEvenWhenItsHeaderRunsOn() throws {
        // The first frame fills the segment up to offset 504: the second starts 8 bytes before
        // the first sector's end, its header running on into the next sector.
        let fs = CrashSimulatingFileSystem()
        let (log, _) = try RecordLog.open(LogFixture.configuration(fs))
        let first = [UInt8](repeating: 7, count: 504 - SegmentFormat.headerSize - SegmentFormat.frameHeaderSize)
        for payload in [first, [UInt8](repeating: 8, count: 100), [UInt8](repeating: 9, count: 40)] {
            _ = try log.append(type: 1, payload: payload)
        }
        log.close()
        let path = try LogFixture.segmentPaths(fs)[0]
        var bytes = try LogFixture.readSegment(fs, path)
        #expect(LogFixture.frameBounds(bytes).map(\.lowerBound) == [SegmentFormat.headerSize, 504, 616])
        for offset in 504..<512 { bytes[offset] = 0 }
        try LogFixture.overwrite(fs, path, with: bytes)

        let (reopened, report, records) = try LogFixture.openAndRead(fs)
        reopened.close()
        #expect(records.map(\.payload) == [first])
        #expect(report.repair?.offset == 504)
    }

    @Test func garbageAfterTheLastFrameRefuses() throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let end = try LogFixture.readSegment(fs, try LogFixture.segmentPaths(fs)[0]).count
        try expectRefusal(at: end, damage: { $0 + [UInt8](repeating: 0xAB, count: 100) }, "garbage tail")
    }

    @Test func aDamagedOrNewerHeaderOfAFullLastSegmentRefuses() throws {
        try expectRefusal(at: 0, damage: { bytes in
            var copy = bytes
            copy[3] ^= 0xFF  // the magic
            return copy
        }, "bad magic")
        try expectRefusal(at: 0, damage: { bytes in
            var copy = bytes
            copy[8] = 0x7F  // the format version
            return copy
        }, "newer version")
    }

    /// Three or more segments; a payload bit of the middle one's second frame flipped.
    static func damagedMiddleSegment() throws -> (CrashSimulatingFileSystem, [String], String, [UInt8], Range<Int>) {
        let fs = try LogFixture.makeLog(count: 60, segmentBytes: 512)
        let paths = try LogFixture.segmentPaths(fs)
        #expect(paths.count >= 3)
        let middle = paths[1]
        var bytes = try fs.readFile(middle)
        let frame = LogFixture.frameBounds(bytes)[1]
        bytes[frame.lowerBound + SegmentFormat.frameHeaderSize] ^= 0x10
        try LogFixture.overwrite(fs, middle, with: bytes)
        return (fs, paths, middle, bytes, frame)
    }

    @Test func walRepairCutsWhereTheOperatorSays() throws {
        let (fs, paths, middle, bytes, frame) = try Self.damagedMiddleSegment()
        #expect(throws: LogError.self) { _ = try LogFixture.openAndRead(fs) }
        let name = String(middle.split(separator: "/").last!)
        let outcome = try LogRepair.truncate(directory: LogFixture.directory, segment: name, at: frame.lowerBound, fileSystem: fs)
        #expect(outcome.bytesCut == bytes.count - frame.lowerBound)
        #expect(outcome.keptIn.count == 1 + (paths.count - 2), "the cut bytes and every later segment")
        #expect(try fs.readFile(outcome.keptIn[0]) == Array(bytes[frame.lowerBound...]))
        let (log, report, records) = try LogFixture.openAndRead(fs)
        let firstOfMiddle = try #require(SegmentFormat.firstLSN(fileName: name))
        #expect(report.repair == nil)
        #expect(records.count == Int(firstOfMiddle))  // the middle segment's first record survives
        #expect(try log.append(type: 1, payload: [1]) == firstOfMiddle + 1)
        log.close()
        #expect(throws: LogRepair.Refusal.self) {
            _ = try LogRepair.truncate(directory: LogFixture.directory, segment: name, at: 5, fileSystem: fs)
        }
    }

    @Test func zeroedSegmentHeaderOfTheLastSegmentIsRecreated() throws {
        let fs = try LogFixture.makeLog(count: 30, segmentBytes: 512)
        let paths = try LogFixture.segmentPaths(fs)
        #expect(paths.count > 2)
        let lastPath = try #require(paths.last)
        try LogFixture.overwrite(fs, lastPath, with: [UInt8](repeating: 0, count: 20))
        let (log, report, records) = try LogFixture.openAndRead(fs)
        let firstOfLast = try #require(SegmentFormat.firstLSN(fileName: String(lastPath.split(separator: "/").last!)))
        #expect(records.count == Int(firstOfLast - 1))
        #expect(report.repair != nil)
        #expect(try log.append(type: 1, payload: [9]) == firstOfLast)
        log.close()
        #expect(try LogFixture.openAndRead(fs).2.count == Int(firstOfLast))
    }

    @Test func damageInAMiddleSegmentRefusesToOpenNamingFileAndOffset() throws {
        let (fs, _, middle, bytes, frame) = try Self.damagedMiddleSegment()
        do {
            _ = try LogFixture.openAndRead(fs)
            Issue.record("opened a log with a damaged middle segment")
        } catch let error as LogError {
            #expect(error.location?.file == middle)
            #expect(error.location?.offset == frame.lowerBound)
            #expect(error.description.contains(middle))
            #expect(error.description.contains("offset \(frame.lowerBound)"))
        }
        // Nothing was cut: the damage is left for an operator to look at.
        #expect(try fs.readFile(middle) == bytes)
    }

    @Test func aMissingMiddleSegmentRefusesToOpen() throws {
        let fs = try LogFixture.makeLog(count: 60, segmentBytes: 512)
        let paths = try LogFixture.segmentPaths(fs)
        try fs.removeFile(paths[1])
        #expect(throws: LogError.self) { _ = try LogFixture.openAndRead(fs) }
    }

    @Test func readerReportsDamageWithoutChangingAnything() throws {
        let fs = try LogFixture.makeLog(count: 10)
        let path = try LogFixture.segmentPaths(fs)[0]
        let bytes = try LogFixture.readSegment(fs, path)
        try LogFixture.overwrite(fs, path, with: Array(bytes.dropLast(3)))
        let report = try LogReader.scan(directory: LogFixture.directory, fileSystem: fs)
        #expect(report.isRepairableTail)
        #expect(report.problem?.location?.file == path)
        #expect(try fs.readFile(path).count == bytes.count - 3)
    }
}
