import Foundation
import ParleyHistory
import ParleyLog
import ParleyModel
import ParleySnapshot
import ParleyStorage
import ParleyTestSupport
import Testing

/// Golden files: `snapshots/golden/v<N>/` was written by codec version N (log segment v1,
/// snapshot v1 header). Every later version must keep reading all of them exactly.
/// `PARLEY_WRITE_GOLDEN=<N> swift test --filter GoldenFileTests` writes the *current* version's
/// folder — only when a new codec version is added; older folders are never rewritten.
@Suite(.serialized) struct GoldenFileTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// One golden data directory: its folder and the records it holds.
    struct Golden: CustomTestStringConvertible, Sendable {
        var version: Int
        var records: [DecodedRecord]

        init(version: Int, events: [Event]) {
            self.init(version: version, records: events.map { DecodedRecord(event: $0) })
        }

        init(version: Int, records: [DecodedRecord]) {
            self.version = version
            self.records = records
        }

        var folder: String { GoldenFileTests.packageRoot.appendingPathComponent("snapshots/golden/v\(version)").path }
        var testDescription: String { "v\(version)" }
        /// Snapshots before codec version 3 keep no notifications.
        var snapshotKeepsNotifications: Bool { version >= 3 }

        /// The state its snapshot holds: the first `snapshotAfter` events.
        var snapshotState: ParleyState {
            var state = ParleyState()
            for (index, record) in records.prefix(GoldenFileTests.snapshotAfter).enumerated() {
                _ = try! state.apply(record, lsn: UInt64(index + 1))
            }
            return snapshotKeepsNotifications ? state : state.withoutNotifications()
        }

        /// The state a start on the directory rebuilds: the snapshot, then the rest of the log.
        var expectedState: ParleyState {
            var state = snapshotState
            for (index, record) in records.enumerated().dropFirst(GoldenFileTests.snapshotAfter) {
                _ = try! state.apply(record, lsn: UInt64(index + 1))
            }
            return state
        }
    }

    static let versions = [
        Golden(version: 1, events: SampleData.version1Events),
        Golden(version: 2, events: SampleData.version1Events + SampleData.version2Events),
        Golden(version: 3, events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events),
        Golden(
            version: 4,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events),
        Golden(
            version: 5,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events),
        Golden(
            version: 6,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events),
        Golden(
            version: 7,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events + SampleData.version7Events),
        Golden(
            version: 8,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events + SampleData.version7Events + SampleData.version8Events),
        Golden(
            version: 9,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events + SampleData.version7Events + SampleData.version8Events
                + SampleData.version9Events),
        Golden(
            version: 10,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events + SampleData.version7Events + SampleData.version8Events
                + SampleData.version9Events + SampleData.version10Events),
        Golden(
            version: 11,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events + SampleData.version7Events + SampleData.version8Events
                + SampleData.version9Events + SampleData.version10Events + SampleData.version11Events),
        Golden(
            version: 12,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events + SampleData.version7Events + SampleData.version8Events
                + SampleData.version9Events + SampleData.version10Events + SampleData.version11Events + SampleData.version12Events),
        Golden(
            version: 13,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events + SampleData.version7Events + SampleData.version8Events
                + SampleData.version9Events + SampleData.version10Events + SampleData.version11Events + SampleData.version12Events
                + SampleData.version13Events),
        Golden(
            version: 14,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events + SampleData.version7Events + SampleData.version8Events
                + SampleData.version9Events + SampleData.version10Events + SampleData.version11Events + SampleData.version12Events
                + SampleData.version13Events + SampleData.version14Events),
        Golden(
            version: 15,
            events: SampleData.version1Events + SampleData.version2Events + SampleData.version3Events + SampleData.version4Events
                + SampleData.version5Events + SampleData.version6Events + SampleData.version7Events + SampleData.version8Events
                + SampleData.version9Events + SampleData.version10Events + SampleData.version11Events + SampleData.version12Events
                + SampleData.version13Events + SampleData.version14Events + SampleData.version15Events),
        Golden(version: 16, events: SampleData.everyEvent),
        Golden(version: 17, records: SampleData.version17Records),
        Golden(version: 18, records: SampleData.version18Records),
        Golden(version: 19, records: SampleData.version19Records),
    ]
    /// The first `snapshotAfter` sample events are in the snapshot; all of them are in the log.
    static let snapshotAfter = 6

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PARLEY_WRITE_GOLDEN"] == "\(EventCodec.currentVersion)"))
    func writeGoldenFiles() async throws {
        let golden = try #require(Self.versions.first { $0.version == Int(EventCodec.currentVersion) })
        try? FileManager.default.removeItem(atPath: golden.folder)
        let store = try EventStore.open(StorageConfiguration(dataDirectory: golden.folder, usesLockFile: false))
        for (index, record) in golden.records.enumerated() {
            if case .historyFileAdded(let added) = record.event {
                // The file first, as compaction writes it: the record may only name a file that exists.
                let messages = try added.moves.flatMap { move in
                    try store.read { $0.conversations[move.conversation] }!.messages(in: 1...move.through, cold: store.history)
                }
                store.history.adopt(try store.history.write(number: added.number, messages: messages))
            }
            if let claim = record.claim {
                try await IdempotencyClaim.$current.withValue(IdempotencyClaim(claim)) { try await store.commit(record.event) }
            } else {
                try await store.commit(record.event)
            }
            if case .historyFileReplaced(let old, nil, _) = record.event, let retired = store.history.retire(old) {
                // As the maintenance run does: the replaced file goes once the record is durable.
                try store.history.delete(retired)
            }
            if index + 1 == Self.snapshotAfter { try store.takeSnapshot() }
        }
        store.close()
    }

    @Test(arguments: versions)
    func theLogReadsBackExactly(_ golden: Golden) throws {
        var records: [DecodedRecord] = []
        let report = try LogReader.scan(directory: golden.folder + "/wal") { record in
            records.append(try EventCodec.decodeRecord(type: record.type, payload: record.payload))
        }
        #expect(report.problem == nil)
        #expect(records == golden.records)
    }

    @Test(arguments: versions)
    func theSnapshotReadsBackExactly(_ golden: Golden) throws {
        let snapshots = try SnapshotStore(directory: golden.folder + "/snapshots").list()
        let info = try #require(snapshots.first)
        #expect(snapshots.count == 1)
        #expect(info.lsn == UInt64(Self.snapshotAfter))
        let (header, body) = try SnapshotStore.read(path: info.path)
        #expect(header.counts.prefix(6) == [1, 1, 1, 1, 0, 0])
        let state = try body.withUnsafeBytes { try StateCodec.decode($0) }
        #expect(StateCodec.encode(state) == StateCodec.encode(golden.snapshotState))
    }

    @Test(arguments: versions)
    func aDataDirectoryStartsWithTheSameState(_ golden: Golden) throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("parley-golden-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: golden.folder, toPath: copy)
        let store = try EventStore.open(StorageConfiguration(dataDirectory: copy, usesLockFile: false))
        defer { store.close() }
        #expect(store.startReport.snapshot?.lsn == UInt64(Self.snapshotAfter))
        #expect(store.startReport.replayedRecords == golden.records.count - Self.snapshotAfter)
        #expect(store.read { StateCodec.encode($0) } == StateCodec.encode(golden.expectedState))
    }
}
