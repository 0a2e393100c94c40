import Foundation
import ParleyLog
import ParleyModel
import ParleySnapshot
import ParleyStorage
import ParleyTestSupport
import Testing

/// The golden files in `snapshots/golden/v1/` were written by format version 1 (log segment
/// v1, snapshot v1, codec v1). Every later version must keep reading them exactly.
/// `PARLEY_WRITE_GOLDEN=1 swift test --filter GoldenFileTests` writes them anew — only when a
/// new format version is added, into a new folder.
@Suite(.serialized) struct GoldenFileTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let golden = packageRoot.appendingPathComponent("snapshots/golden/v1").path
    /// The first `snapshotAfter` sample events are in the snapshot; all of them are in the log.
    static let snapshotAfter = 6

    static var expectedState: ParleyState {
        var state = ParleyState()
        for (index, event) in SampleData.everyEvent.enumerated() { try! state.apply(event, lsn: UInt64(index + 1)) }
        return state
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PARLEY_WRITE_GOLDEN"] == "1"))
    func writeGoldenFiles() async throws {
        try? FileManager.default.removeItem(atPath: Self.golden)
        let store = try EventStore.open(StorageConfiguration(dataDirectory: Self.golden, usesLockFile: false))
        for (index, event) in SampleData.everyEvent.enumerated() {
            try await store.commit(event)
            if index + 1 == Self.snapshotAfter { try store.takeSnapshot() }
        }
        store.close()
    }

    @Test func theLogOfVersion1ReadsBackExactly() throws {
        var events: [Event] = []
        let report = try LogReader.scan(directory: Self.golden + "/wal") { record in
            events.append(try EventCodec.decode(type: record.type, payload: record.payload))
        }
        #expect(report.problem == nil)
        #expect(events == SampleData.everyEvent)
    }

    @Test func theSnapshotOfVersion1ReadsBackExactly() throws {
        let snapshots = try SnapshotStore(directory: Self.golden + "/snapshots").list()
        let info = try #require(snapshots.first)
        #expect(snapshots.count == 1)
        #expect(info.lsn == UInt64(Self.snapshotAfter))
        let (header, body) = try SnapshotStore.read(path: info.path)
        #expect(header.counts.prefix(6) == [1, 1, 1, 1, 0, 0])
        let state = try body.withUnsafeBytes { try StateCodec.decode($0) }
        var expected = ParleyState()
        for (index, event) in SampleData.everyEvent.prefix(Self.snapshotAfter).enumerated() {
            try expected.apply(event, lsn: UInt64(index + 1))
        }
        #expect(StateCodec.encode(state) == StateCodec.encode(expected))
    }

    @Test func aDataDirectoryOfVersion1StartsWithTheSameState() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("parley-golden-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: Self.golden, toPath: copy)
        let store = try EventStore.open(StorageConfiguration(dataDirectory: copy, usesLockFile: false))
        defer { store.close() }
        #expect(store.startReport.snapshot?.lsn == UInt64(Self.snapshotAfter))
        #expect(store.startReport.replayedRecords == SampleData.everyEvent.count - Self.snapshotAfter)
        #expect(store.read { StateCodec.encode($0) } == StateCodec.encode(Self.expectedState))
    }
}
