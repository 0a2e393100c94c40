import Foundation
@testable import ParleyLog
import ParleyTestSupport
import Synchronization
import Testing

@Suite struct RecordLogTests {
    /// The flusher thread carries its own name (it had kept the name of the thread that opened
    /// the log: a dispatch worker's, in profiles).
    @Test func theFlusherThreadIsNamed() throws {
        #if os(Linux)
        let (log, _) = try RecordLog.open(LogFixture.configuration(CrashSimulatingFileSystem()))
        defer { log.close() }
        // The thread names itself once it runs: asked for a while, as a busy machine may start it late.
        func names() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
                .compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while try !names().contains("\(Flusher.threadName)\n"), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try names().contains("\(Flusher.threadName)\n"))
        #endif
    }

    @Test func recordsSurviveReopenAcrossSegmentCuts() throws {
        let fs = try LogFixture.makeLog(count: 500, segmentBytes: 2048)
        let paths = try LogFixture.segmentPaths(fs)
        #expect(paths.count > 5)
        // Segments are named by their first LSN, which continues the previous segment.
        let firsts = try LogReader.segmentNames(fileSystem: fs, directory: LogFixture.directory).map(\.firstLSN)
        #expect(firsts.first == 1)
        let (log, report, records) = try LogFixture.openAndRead(fs)
        log.close()
        #expect(report.segmentCount == paths.count)
        #expect(records.map(\.lsn) == Array(1...500))
        #expect(records.map(\.payload) == (0..<500).map(LogFixture.payload))
    }

    @Test func replayStartsAtTheRequestedLSN() throws {
        let fs = try LogFixture.makeLog(count: 50, segmentBytes: 1024)
        var seen: [UInt64] = []
        let (log, report) = try RecordLog.open(LogFixture.configuration(fs), replayFrom: 41) { seen.append($0.lsn) }
        log.close()
        #expect(seen == Array(41...50))
        #expect(report.replayedRecords == 10)
    }

    @Test func segmentsWhollyBelowAnLSNAreRemoved() throws {
        let fs = try LogFixture.makeLog(count: 200, segmentBytes: 1024)
        let (log, _) = try RecordLog.open(LogFixture.configuration(fs))
        let before = try LogReader.segmentNames(fileSystem: fs, directory: LogFixture.directory)
        let removed = try log.removeSegments(whollyBelow: 120)
        log.close()
        let after = try LogReader.segmentNames(fileSystem: fs, directory: LogFixture.directory)
        #expect(!removed.isEmpty)
        #expect(after.count == before.count - removed.count)
        #expect(after[0].firstLSN <= 120)
        let (again, report, records) = try LogFixture.openAndRead(fs)
        again.close()
        #expect(report.firstLSN == after[0].firstLSN)
        #expect(records.first?.lsn == after[0].firstLSN)
        #expect(records.last?.lsn == 200)
    }

    /// Found by the fault sweep (issue 16): an unlink that failed halfway left old segments
    /// before a gap; they are tried again by the next deletion, and a start removes them.
    @Test func anInterruptedSegmentDeletionIsFinishedLater() throws {
        let fs = try LogFixture.makeLog(count: 200, segmentBytes: 1024)
        let names = try LogReader.segmentNames(fileSystem: fs, directory: LogFixture.directory)
        #expect(names.count > 4)
        // The second segment went, the first did not: a gap below LSN names[2].firstLSN.
        try fs.removeFile(joinPath(LogFixture.directory, names[1].name))
        let covered = names[2].firstLSN
        // Replaying from inside the gap is refused, the files untouched …
        #expect(throws: LogError.self) { try RecordLog.open(LogFixture.configuration(fs), replayFrom: covered - 1, removingSegmentsBelow: covered - 1) }
        #expect(try LogReader.segmentNames(fileSystem: fs, directory: LogFixture.directory).count == names.count - 1)
        // … from past it, the leftover is removed and the rest replays.
        var seen: [UInt64] = []
        let (log, report) = try RecordLog.open(LogFixture.configuration(fs), replayFrom: covered, removingSegmentsBelow: covered) {
            seen.append($0.lsn)
        }
        #expect(report.firstLSN == covered && seen == Array(covered...200))
        #expect(try LogReader.segmentNames(fileSystem: fs, directory: LogFixture.directory).map(\.name) == names.dropFirst(2).map(\.name))
        // A deletion removes oldest first and forgets a segment only once unlinked.
        #expect(try log.removeSegments(whollyBelow: names[4].firstLSN) == names[2...3].map(\.name))
        log.close()
    }

    @Test(arguments: [FsyncPolicy.always, .interval(milliseconds: 5), .none])
    func concurrentWritersAllBecomeDurableWithUniqueLSNs(policy: FsyncPolicy) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-log-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let committed = Mutex<[UInt64]>([])
        let (log, _) = try RecordLog.open(
            RecordLog.Configuration(directory: directory, fsync: policy, segmentBytes: 64 << 10),
            onCommit: { records in
                committed.withLock { $0 += records.map(\.lsn) }
                return [:]
            })
        let lsns = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for writer in 0..<64 {
                group.addTask {
                    var mine: [UInt64] = []
                    for index in 0..<20 {
                        let lsn = try await log.appendAndWait(type: 1, payload: Array("w\(writer)-\(index)".utf8))
                        #expect(log.durableLSN >= lsn)
                        mine.append(lsn)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        log.close()
        #expect(Set(lsns).count == 64 * 20)
        // The commit handler saw every record, in LSN order.
        #expect(committed.withLock { $0 } == Array(1...UInt64(64 * 20)))
        var count = 0
        let report = try LogReader.scan(directory: directory) { _ in count += 1 }
        #expect(report.problem == nil)
        #expect(count == 64 * 20)
    }

    @Test func aFailedFsyncStopsTheLogAndNothingIsAcknowledged() async throws {
        let fs = CrashSimulatingFileSystem()
        let fatal = Mutex<LogError?>(nil)
        let (log, _) = try RecordLog.open(LogFixture.configuration(fs), onFatalError: { error in fatal.withLock { $0 = error } })
        _ = try await log.appendAndWait(type: 1, payload: [1])
        fs.setSyncFailure(true)
        await #expect(throws: LogError.self) { _ = try await log.appendAndWait(type: 1, payload: [2]) }
        #expect(fatal.withLock { $0 } != nil)
        #expect(log.failure != nil)
        #expect(log.durableLSN == 1)
        #expect(throws: LogError.self) { _ = try log.append(type: 1, payload: [3]) }
        log.close()
    }

    @Test func appendsAfterCloseAreRefused() throws {
        let (log, _) = try RecordLog.open(LogFixture.configuration(CrashSimulatingFileSystem()))
        log.close()
        #expect(throws: LogError.closed) { _ = try log.append(type: 1, payload: [1]) }
    }

    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let chained = CRC32C.update(CRC32C.checksum(long.prefix(333)), long.dropFirst(333))
        #expect(chained == CRC32C.checksum(long))
        // RFC 3720 (iSCSI), appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    /// ISA-L's CRC against the definition, one bit at a time, at every length up to 300 and
    /// every start within a word (its fast paths differ by length and alignment).
    @Test func crc32cMatchesABitwiseReferenceAtEveryLengthAndAlignment() {
        func reference(_ crc: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
            var value = ~crc
            for byte in bytes {
                value ^= UInt32(byte)
                for _ in 0..<8 { value = (value & 1) != 0 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1 }
            }
            return ~value
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<320).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<8 {
            for length in 0...300 {
                let slice = bytes[start..<(start + length)]
                #expect(CRC32C.update(0x1234_5678, slice) == reference(0x1234_5678, slice), "start \(start), length \(length)")
            }
        }
    }
}

/// The commit delay (`--commit-delay-us`, ``SyncPacer``) through a real log.
@Suite struct CommitDelayTests {
    private static func open(_ commitDelay: Duration) throws -> (RecordLog, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-log-\(UUID())").path
        let (log, _) = try RecordLog.open(
            RecordLog.Configuration(directory: directory, fsync: .always, commitDelay: commitDelay))
        return (log, directory)
    }

    /// One writer waiting for each ack gets one sync per record, each starting at least the
    /// delay after the one before.
    @Test func syncsStartAtLeastTheDelayApart() async throws {
        let (log, directory) = try Self.open(.milliseconds(25))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let started = ContinuousClock.now
        for index in 0..<6 {
            let lsn = try await log.appendAndWait(type: 1, payload: Array("r\(index)".utf8))
            #expect(log.durableLSN >= lsn)
        }
        let elapsed = ContinuousClock.now - started
        log.close()
        #expect(log.statistics.syncs >= 6)
        #expect(elapsed >= .milliseconds(5 * 25))
    }

    /// Records appended while the delay runs share the next sync, and each is acknowledged
    /// only once it is durable. (Without the delay, the first of two appends 100 ms apart is
    /// synced alone, at once.) Synchronous, polling: an awaiting test resumes late on a busy
    /// cooperative pool (the whole suite in parallel), past the delay.
    @Test func recordsAppendedDuringTheDelayShareOneSync() throws {
        let (log, directory) = try Self.open(.seconds(3))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func waitUntilDurable(_ lsn: UInt64) {
            let deadline = ContinuousClock.now + .seconds(60)
            while log.durableLSN < lsn, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.001) }
        }
        waitUntilDurable(try log.append(type: 1, payload: Array("first".utf8)))
        let first = try log.append(type: 1, payload: Array("a".utf8))
        Thread.sleep(forTimeInterval: 0.1)
        #expect(log.durableLSN < first)
        let second = try log.append(type: 1, payload: Array("b".utf8))
        waitUntilDurable(second)
        #expect(log.durableLSN >= second)
        log.close()
        // The first record's sync, then one for both.
        #expect(log.statistics.syncs == 2)
        var count = 0
        _ = try LogReader.scan(directory: directory) { _ in count += 1 }
        #expect(count == 3)
    }
}
