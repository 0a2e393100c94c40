import ParleyLog
import ParleyTestSupport
import Testing

/// etcd-style damage tables: every damage of the last segment's tail recovers exactly to the
/// last valid record, keeps the cut bytes in a `.broken` file, and the log then appends and
/// re-reads; damage anywhere else refuses to open, naming file and offset.
@Suite struct LogDamageTests {
    static let recordCount = 40

    /// Applies `damage` to the only segment, opens, and checks recovery to `survivors` records.
    func expectRecovery(survivors: Int, damage: ([UInt8]) -> [UInt8], _ comment: Comment) throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let path = try #require(try LogFixture.segmentPaths(fs).first)
        let original = try fs.readFile(path)
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
        let bounds = LogFixture.frameBounds(try fs.readFile(try LogFixture.segmentPaths(fs)[0]))
        #expect(bounds.count == Self.recordCount)
        let firstCut = bounds[bounds.count - 3].lowerBound
        for cut in firstCut..<bounds[bounds.count - 1].upperBound {
            let survivors = bounds.filter { $0.upperBound <= cut }.count
            try expectRecovery(survivors: survivors, damage: { Array($0.prefix(cut)) }, "cut at \(cut)")
        }
    }

    @Test func everyBitFlipOfTheLastRecord() throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let last = try #require(LogFixture.frameBounds(try fs.readFile(try LogFixture.segmentPaths(fs)[0])).last)
        for byte in last {
            for bit in 0..<8 {
                try expectRecovery(
                    survivors: Self.recordCount - 1,
                    damage: { bytes in
                        var copy = bytes
                        copy[byte] ^= 1 << bit
                        return copy
                    }, "bit \(bit) of byte \(byte)")
            }
        }
    }

    @Test func zeroingEach512ByteSector() throws {
        let fs = try LogFixture.makeLog(count: Self.recordCount)
        let original = try fs.readFile(try LogFixture.segmentPaths(fs)[0])
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
        let fs = try LogFixture.makeLog(count: 60, segmentBytes: 512)
        let paths = try LogFixture.segmentPaths(fs)
        #expect(paths.count >= 3)
        let middle = paths[1]
        var bytes = try fs.readFile(middle)
        let frame = LogFixture.frameBounds(bytes)[1]
        bytes[frame.lowerBound + SegmentFormat.frameHeaderSize] ^= 0x10
        try LogFixture.overwrite(fs, middle, with: bytes)
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
        let bytes = try fs.readFile(path)
        try LogFixture.overwrite(fs, path, with: Array(bytes.dropLast(3)))
        let report = try LogReader.scan(directory: LogFixture.directory, fileSystem: fs)
        #expect(report.isRepairableTail)
        #expect(report.problem?.location?.file == path)
        #expect(try fs.readFile(path).count == bytes.count - 3)
    }
}
