import Foundation
import ParleyLog
import ParleyTestSupport
import Testing

/// The active segment is made longer than what it holds, ahead of the appends
/// (snapshots/FORMAT.md, "Reserved space"), on the real file system: the zeros past the last
/// frame are where the records end, a reopen appends right after the last frame, and no
/// segment is reserved past the segment size.
@Suite struct SegmentReservationTests {
    static let step = 1 << 20

    func withDirectory(_ body: (String) throws -> Void) throws {
        let root = ParleyBinary.temporaryDirectory("reservation")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try body(root + "/wal")
    }

    @Test func theActiveSegmentIsReservedAheadAndReopensAfterItsLastFrame() throws {
        try withDirectory { directory in
            let fs = PosixFileSystem()
            let configuration = RecordLog.Configuration(directory: directory, fsync: .always, segmentBytes: 64 << 20, fileSystem: fs)
            let (log, _) = try RecordLog.open(configuration)
            for index in 0..<100 { _ = try log.append(type: 1, payload: LogFixture.payload(index)) }
            log.close()

            let path = joinPath(directory, SegmentFormat.fileName(firstLSN: 1))
            let bytes = try fs.readFile(path)
            let data = try LogFixture.readSegment(fs, path)
            #expect(bytes.count == Self.step, "reserved to the first step")
            #expect(LogFixture.frameBounds(bytes).count == 100)
            #expect(bytes[data.count...].allSatisfy { $0 == 0 })
            let scan = try LogReader.scan(directory: directory, fileSystem: fs)
            #expect(scan.problem == nil, "the zero tail is not damage")
            #expect(scan.segments.map(\.validEnd) == [data.count])

            let (reopened, report, records) = try LogFixture.openAndRead(configuration)
            #expect(report.repair == nil)
            #expect(records.map(\.payload) == (0..<100).map(LogFixture.payload))
            for index in 100..<150 { _ = try reopened.append(type: 1, payload: LogFixture.payload(index)) }
            reopened.close()
            #expect(try fs.readFile(path).count == Self.step, "appends overwrite the reserved zeros")

            let (again, _, all) = try LogFixture.openAndRead(configuration)
            again.close()
            #expect(all.map(\.lsn) == Array(1...150))
            #expect(all.map(\.payload) == (0..<150).map(LogFixture.payload))
            #expect(try fs.contentsOfDirectory(directory).allSatisfy { !$0.hasSuffix(".broken") })
        }
    }

    @Test func reservationsGrowByStepsAndStopAtTheSegmentSize() throws {
        try withDirectory { directory in
            let fs = PosixFileSystem()
            let segmentBytes = 3 * Self.step / 2
            let configuration = RecordLog.Configuration(directory: directory, fsync: .always, segmentBytes: segmentBytes, fileSystem: fs)
            let (log, _) = try RecordLog.open(configuration)
            let payload = [UInt8](repeating: 7, count: 4000)
            let count = 1_000  // about 4 MB: three segments
            for _ in 0..<count { _ = try log.append(type: 2, payload: payload) }
            log.close()
            let names = try LogReader.segmentNames(fileSystem: fs, directory: directory)
            #expect(names.count >= 3)
            for name in names {
                let size = try fs.readFile(joinPath(directory, name.name)).count
                #expect(size <= segmentBytes + SegmentFormat.frameSize(payloadCount: payload.count), "\(name.name): \(size) bytes")
            }
            let (reopened, report, records) = try LogFixture.openAndRead(configuration)
            reopened.close()
            #expect(report.repair == nil)
            #expect(records.count == count)
            #expect(records.allSatisfy { $0.payload == payload })
        }
    }
}
