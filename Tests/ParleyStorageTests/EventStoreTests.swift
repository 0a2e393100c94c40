import ParleyEngine
import ParleyLog
import ParleyModel
import ParleySnapshot
import ParleyStorage
import ParleyTestSupport
import Testing

@Suite struct EventStoreTests {
    @Test func stateSurvivesReopenThroughLogReplay() async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, broker) = try StoreFixture.open(fs)
        let (_, agent, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 2)
        for index in 0..<30 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m\(index)"), to: conversations[index % 2])
        }
        _ = try await broker.markRead(conversations[0], reader: .agent(agent.id), through: 10)
        store.close()

        let (reopened, again) = try StoreFixture.open(fs)
        defer { reopened.close() }
        #expect(reopened.startReport.snapshot == nil)
        #expect(reopened.startReport.replayedRecords > 30)
        let page = try again.messages(conversations[0], page: .newest(limit: 100))
        #expect(page.messages.map(\.seq) == Array(1...15))
        #expect(page.messages.map(\.content) == stride(from: 0, to: 30, by: 2).map { "m\($0)" })
        #expect(again.unreadCount(conversations[0], for: .agent(agent.id)) == 5)
        // New ids continue above the old ones; seq continues without a gap.
        let receipt = try await again.send(MessageDraft(sender: .agent(agent.id), content: "back"), to: conversations[0])
        #expect(receipt.message.seq == 16)
        #expect(receipt.message.id.rawValue == 31)
    }

    /// A record the state refuses is logged but never acknowledged as a success (issue 15,
    /// defect 6); the records around it are.
    @Test func aRecordTheStateRejectsIsNotAcknowledged() async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, broker) = try StoreFixture.open(fs)
        defer { store.close() }
        let (_, _, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 1)
        // A message for a conversation that does not exist.
        var orphan = SampleData.message(seq: 1, id: 9_999)
        orphan.conversationID = ConversationID(4_242)
        let lsn = try store.append(.messageAppended(orphan))
        await #expect(throws: LogError.self) { try await store.waitUntilDurable(lsn) }
        // Asked again after the batch settled, the answer is the same.
        do {
            try await store.waitUntilDurable(lsn)
            Issue.record("a rejected record was acknowledged")
        } catch let error as LogError {
            #expect("\(error)".contains("record \(lsn) was logged but not applied"))
        }
        let receipt = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "still fine"), to: conversations[0])
        #expect(receipt.message.seq == 1)
    }

    @Test func snapshotThenReplayGivesTheSameStateAndCleanShutdownReplaysNothing() async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, broker) = try StoreFixture.open(fs)
        let (_, _, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 3)
        for index in 0..<60 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "x\(index)"), to: conversations[index % 3])
        }
        let snapshot = try #require(try store.takeSnapshot())
        for index in 60..<90 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "x\(index)"), to: conversations[index % 3])
        }
        let expected = store.read { StateCodec.encode($0) }
        store.close()

        let (reopened, _) = try StoreFixture.open(fs)
        #expect(reopened.startReport.snapshot?.lsn == snapshot.lsn)
        #expect(reopened.startReport.replayedRecords == 30)
        #expect(reopened.read { StateCodec.encode($0) } == expected)
        // A clean shutdown: close, then the final snapshot; the next start replays nothing.
        reopened.close()
        try reopened.takeSnapshot()
        let (third, _) = try StoreFixture.open(fs)
        defer { third.close() }
        #expect(third.startReport.replayedRecords == 0)
        #expect(third.read { StateCodec.encode($0) } == expected)
    }

    @Test(arguments: ["header", "frame", "truncated"])
    func aDamagedNewestSnapshotFallsBackToTheOlderOnePlusReplay(damage: String) async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, broker) = try StoreFixture.open(fs, keep: 3)
        let (_, _, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 1)
        for round in 0..<3 {
            for index in 0..<20 {
                _ = try await broker.send(
                    MessageDraft(sender: .visitor(visitor.id), content: "r\(round)-\(index)"), to: conversations[0])
            }
            try store.takeSnapshot()
        }
        for index in 0..<5 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "tail-\(index)"), to: conversations[0])
        }
        let expected = store.read { StateCodec.encode($0) }
        store.close()

        let snapshots = try SnapshotStore(directory: "/data/snapshots", fileSystem: fs).list()
        #expect(snapshots.count == 3)
        let newest = snapshots[0]
        var bytes = try fs.readFile(newest.path)
        switch damage {
        case "header": bytes[20] ^= 0xff
        case "frame": bytes[bytes.count / 2] ^= 0x01
        default: bytes.removeLast(9)
        }
        try fs.removeFile(newest.path)
        let file = try fs.openForAppending(newest.path)
        try file.append(bytes)
        try file.sync()

        let (reopened, _) = try StoreFixture.open(fs)
        defer { reopened.close() }
        #expect(reopened.startReport.snapshot?.lsn == snapshots[1].lsn)
        #expect(reopened.startReport.skippedSnapshots.count == 1)
        #expect(reopened.read { StateCodec.encode($0) } == expected)
    }

    @Test func oldLogSegmentsAreDeletedOnlyBelowTheOldestKeptSnapshot() async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, broker) = try StoreFixture.open(fs, segmentBytes: 1024, keep: 2)
        let (_, _, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 1)
        var snapshotLSNs: [UInt64] = []
        for round in 0..<4 {
            for index in 0..<40 {
                _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "\(round)-\(index)"), to: conversations[0])
            }
            snapshotLSNs.append(try #require(try store.takeSnapshot()).lsn)
        }
        store.close()
        let segments = try LogReader.segmentNames(fileSystem: fs, directory: "/data/wal")
        let oldestKept = snapshotLSNs[2]
        #expect(segments[0].firstLSN <= oldestKept + 1)
        #expect(segments[0].firstLSN > 1)
        #expect(try SnapshotStore(directory: "/data/snapshots", fileSystem: fs).list().map(\.lsn) == [snapshotLSNs[3], snapshotLSNs[2]])
    }

    /// A log whose end, once its torn tail is cut, lies before the snapshot refuses to start —
    /// before the tail is cut, so the refusal changes nothing (issue 15, defect 4).
    @Test func aRefusalForALogShorterThanTheSnapshotChangesNothing() async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, broker) = try StoreFixture.open(fs, segmentBytes: 1 << 20, keep: 2)
        let (_, _, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 1)
        for index in 0..<40 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "\(index)"), to: conversations[0])
        }
        try store.takeSnapshot()
        store.close()
        // The log loses its end (cut inside a frame well before the snapshot's LSN: a tear).
        let segment = try #require(try LogReader.segmentNames(fileSystem: fs, directory: "/data/wal").last)
        let path = "/data/wal/" + segment.name
        // Inside the records, not the zeros of the segment's reserved space after them.
        let end = try #require(try LogReader.scan(directory: "/data/wal", fileSystem: fs).segments.last).validEnd
        try fs.truncateFile(path, to: end / 2 + 3)
        let cut = try fs.readFile(path)
        #expect(throws: StorageError.self) { _ = try StoreFixture.open(fs) }
        #expect(try fs.readFile(path) == cut, "the torn tail is still there")
        #expect(try fs.contentsOfDirectory("/data/wal").allSatisfy { !$0.hasSuffix(".broken") })
    }

    @Test func aSnapshotWithoutTheLogBehindItRefusesToStart() async throws {
        let fs = CrashSimulatingFileSystem()
        // Two snapshots (the least kept), so that the log below the older one goes.
        let (store, broker) = try StoreFixture.open(fs, segmentBytes: 1024, keep: 2)
        let (_, _, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 1)
        for round in 0..<2 {
            for index in 0..<80 {
                _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "\(round)-\(index)"), to: conversations[0])
            }
            try store.takeSnapshot()
        }
        store.close()
        #expect(try LogReader.segmentNames(fileSystem: fs, directory: "/data/wal").first?.firstLSN ?? 1 > 1)
        for snapshot in try SnapshotStore(directory: "/data/snapshots", fileSystem: fs).list() { try fs.removeFile(snapshot.path) }
        #expect(throws: StorageError.self) { _ = try StoreFixture.open(fs) }
    }
}

@Suite struct SnapshotScheduleTests {
    @Test func dueAfterEnoughRecordsOrEnoughTimeWithNewRecords() {
        let t0 = ContinuousClock.now
        var schedule = SnapshotSchedule(everyRecords: 100, everySeconds: 60, lastLSN: 10, now: t0)
        #expect(!schedule.isDue(appliedLSN: 10, now: t0 + .seconds(3600)))  // nothing new: never
        #expect(!schedule.isDue(appliedLSN: 109, now: t0 + .seconds(1)))
        #expect(schedule.isDue(appliedLSN: 110, now: t0 + .seconds(1)))
        #expect(!schedule.isDue(appliedLSN: 11, now: t0 + .seconds(59)))
        #expect(schedule.isDue(appliedLSN: 11, now: t0 + .seconds(60)))
        schedule.taken(lsn: 110, now: t0 + .seconds(61))
        #expect(!schedule.isDue(appliedLSN: 110, now: t0 + .seconds(500)))
        #expect(!schedule.isDue(appliedLSN: 150, now: t0 + .seconds(62)))
    }

    /// Once the state outgrows N, the next snapshot waits for as many new records as the last
    /// one held; the time limit still applies, and a small state goes back to N.
    @Test func theRecordCountGrowsWithTheState() {
        let t0 = ContinuousClock.now
        var schedule = SnapshotSchedule(everyRecords: 100, everySeconds: 60, lastLSN: 0, now: t0)
        schedule.taken(lsn: 100, records: 40, now: t0)
        #expect(schedule.recordsDue == 100)
        #expect(schedule.isDue(appliedLSN: 200, now: t0 + .seconds(1)))
        schedule.taken(lsn: 200, records: 250, now: t0 + .seconds(1))
        #expect(schedule.recordsDue == 250)
        #expect(!schedule.isDue(appliedLSN: 300, now: t0 + .seconds(2)))
        #expect(!schedule.isDue(appliedLSN: 449, now: t0 + .seconds(2)))
        #expect(schedule.isDue(appliedLSN: 450, now: t0 + .seconds(2)))
        #expect(schedule.isDue(appliedLSN: 201, now: t0 + .seconds(61)))
        schedule.taken(lsn: 450, records: 0, now: t0 + .seconds(2))
        #expect(schedule.recordsDue == 100)
    }

    /// The scheduled snapshot's header carries the counts the schedule sizes itself by.
    @Test func aSnapshotsCountsSumToTheRecordsItHolds() async throws {
        let (store, broker) = try StoreFixture.open(CrashSimulatingFileSystem())
        _ = try await StoreFixture.populate(broker, conversations: 3)
        let info = try #require(try store.takeSnapshot())
        let counts = try #require(info.header?.counts)
        let state = store.read { $0.counts }
        #expect(counts.reduce(0, +) == state.sites + state.agents + state.visitors + state.conversations + state.messages + state.readCursors)
        #expect(counts.reduce(0, +) > 3)
    }
}

@Suite struct SnapshotOrderingTests {
    /// Under `none` nothing is synced until a snapshot forces it: a crash right after the
    /// snapshot must still find the log reaching the snapshot's LSN, and new appends must
    /// continue above it.
    @Test(arguments: [FsyncPolicy.none, .interval(milliseconds: 60_000)])
    func aSnapshotNeverGetsAheadOfTheLog(policy: FsyncPolicy) async throws {
        var generator = SeededGenerator(seed: 9)
        let fs = CrashSimulatingFileSystem()
        var configuration = StoreFixture.configuration(fs)
        configuration.fsync = policy
        let store = try EventStore.open(configuration)
        let broker = Broker(store: store, passwords: PasswordHasher(cost: 4))
        let (_, _, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 1)
        for index in 0..<20 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "\(index)"), to: conversations[0])
        }
        let snapshot = try #require(try store.takeSnapshot())
        let after = fs.crash(.dropUnsynced, using: &generator)
        store.close()
        configuration.fileSystem = after
        let reopened = try EventStore.open(configuration)
        defer { reopened.close() }
        #expect(reopened.startReport.snapshot?.lsn == snapshot.lsn)
        #expect(reopened.nextLSN == snapshot.lsn + 1)
        #expect(reopened.read { $0.conversations[conversations[0]]?.lastSeq } == 20)
    }

    @Test func aLogThatEndsBeforeTheSnapshotRefusesToStart() async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, broker) = try StoreFixture.open(fs)
        let (_, _, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 1)
        for index in 0..<5 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "\(index)"), to: conversations[0])
        }
        try store.takeSnapshot()
        store.close()
        // An operator deleted the log: starting would reuse LSNs the snapshot already covers.
        for segment in try LogReader.segmentNames(fileSystem: fs, directory: "/data/wal") {
            let path = "/data/wal/" + segment.name
            try fs.truncateFile(path, to: SegmentFormat.headerSize)
        }
        #expect(throws: StorageError.self) { _ = try StoreFixture.open(fs) }
    }
}
