import ParleyEngine
import ParleyLog
import ParleyModel
import ParleySnapshot
import ParleyStorage
import ParleyTestSupport
import Testing

/// Point-in-time restore fails (exit 1) rather than make a state that is not the one asked for:
/// a log that does not reach back to the snapshot, damage before the target, a record that does
/// not apply (issue 15, defect 5). Each of these was an exit 0 before.
@Suite struct SnapshotRestoreTests {
    /// A store with a snapshot taken after some traffic, then more traffic over several segments.
    static func store() async throws -> (CrashSimulatingFileSystem, snapshot: SnapshotInfo, ConversationID, VisitorID) {
        let fs = CrashSimulatingFileSystem()
        let (store, broker) = try StoreFixture.open(fs, segmentBytes: 1024, keep: 2)
        let (_, _, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 1)
        let snapshot = try #require(try store.takeSnapshot())
        for index in 0..<60 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "after \(index)"), to: conversations[0])
        }
        store.close()
        return (fs, snapshot, conversations[0], visitor.id)
    }

    @Test func aLogThatDoesNotReachBackFailsEvenWhenTheTargetComesFirst() async throws {
        let (fs, snapshot, _, _) = try await Self.store()
        let segments = try LogReader.segmentNames(fileSystem: fs, directory: "/data/wal")
        #expect(segments.count >= 3)
        // The segment holding the records right after the snapshot goes missing.
        let holding = try #require(segments.last { $0.firstLSN <= snapshot.lsn + 1 })
        for segment in segments where segment.firstLSN <= holding.firstLSN { try fs.removeFile("/data/wal/" + segment.name) }
        #expect(throws: StorageError.self) {
            _ = try SnapshotRestore.restore(
                snapshotPath: snapshot.path, walDirectory: "/data/wal", into: "/restored", target: .init(lsn: snapshot.lsn + 1), fileSystem: fs)
        }
    }

    @Test func damageBeforeTheTargetFails() async throws {
        let (fs, snapshot, _, _) = try await Self.store()
        let segments = try LogReader.segmentNames(fileSystem: fs, directory: "/data/wal")
        let report = try LogReader.scan(directory: "/data/wal", fileSystem: fs)
        let end = try #require(report.nextLSN) - 1
        let middle = "/data/wal/" + segments[segments.count - 2].name
        var bytes = try fs.readFile(middle)
        bytes[SegmentFormat.headerSize + SegmentFormat.frameHeaderSize] ^= 0x01
        try fs.overwrite(middle, with: bytes)
        let error = #expect(throws: StorageError.self) {
            _ = try SnapshotRestore.restore(
                snapshotPath: snapshot.path, walDirectory: "/data/wal", into: "/restored", target: .init(lsn: end), fileSystem: fs)
        }
        #expect(error?.description.contains("before the target") == true, "\(String(describing: error))")
        // Without a target, the restore goes up to the damage and says so.
        let partial = try SnapshotRestore.restore(snapshotPath: snapshot.path, walDirectory: "/data/wal", into: "/partial", fileSystem: fs)
        #expect(partial.logProblem != nil && partial.restoredLSN < end)
    }

    @Test func aRecordThatDoesNotApplyFails() async throws {
        let (fs, snapshot, conversation, visitor) = try await Self.store()
        // A record the state rejects (a message with a gap in `seq`) is in the log all the same.
        let (store, _) = try StoreFixture.open(fs, segmentBytes: 1024, keep: 2)
        var message = SampleData.message(seq: 9_999, id: 999_999)
        message.conversationID = conversation
        message.sender = .visitor(visitor)
        _ = try? await store.commit(.messageAppended(message))
        let last = store.read { $0.appliedLSN }
        store.close()
        let error = #expect(throws: StorageError.self) {
            _ = try SnapshotRestore.restore(
                snapshotPath: snapshot.path, walDirectory: "/data/wal", into: "/restored", target: .init(lsn: last), fileSystem: fs)
        }
        #expect(error?.description.contains("does not apply") == true, "\(String(describing: error))")
    }
}
