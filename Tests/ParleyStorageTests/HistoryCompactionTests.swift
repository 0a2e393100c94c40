import ParleyEngine
import ParleyHistory
import ParleyLog
import ParleyModel
import ParleySnapshot
import ParleyStorage
import ParleyTestSupport
import Testing

/// History compaction end to end on the store (issue 16): messages leave RAM for a history
/// file, every read answers as before, across restarts from the log and from a snapshot, and
/// what a crash leaves behind is cleaned up or refused.
@Suite struct HistoryCompactionTests {
    /// Forty messages in the first conversation (alternating sides, each with a client id),
    /// three in the second; the agent has read the first through seq 10.
    static func populated(_ fs: CrashSimulatingFileSystem) async throws -> (EventStore, Broker, Agent, Visitor, [ConversationID]) {
        let (store, broker) = try StoreFixture.open(fs)
        let (_, agent, visitor, conversations) = try await StoreFixture.populate(broker, conversations: 2)
        for index in 0..<40 {
            let sender: Sender = index % 2 == 0 ? .visitor(visitor.id) : .agent(agent.id)
            _ = try await broker.send(
                MessageDraft(sender: sender, content: "m\(index)", clientMessageID: "c\(index)"), to: conversations[0])
        }
        for index in 0..<3 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "b\(index)"), to: conversations[1])
        }
        _ = try await broker.markRead(conversations[0], reader: .agent(agent.id), through: 10)
        return (store, broker, agent, visitor, conversations)
    }

    /// Every kind of page the dialects ask for, and the unread counts, as one comparable value.
    static func everyRead(_ broker: Broker, _ conversation: ConversationID, agent: Agent, visitor: Visitor) throws -> [String] {
        let all = try broker.messages(conversation, page: .newest(limit: 1000)).messages
        let pages: [MessagePage] = [
            .newest(limit: 10), .newest(limit: 1000), .before(all[29].id, limit: 10), .before(all[2].id, limit: 10),
            .after(all[1].id, limit: 10), .after(all[32].id, limit: 50), .afterSeq(0, limit: 15), .afterSeq(20, limit: 100),
            .beforeTime(all[19].createdAt, limit: 5), .before(all[0].id, limit: 5),
        ]
        var reads = try pages.map { page in
            let result = try broker.messages(conversation, page: page)
            return "\(page): \(result.messages.map(\.seq)) more \(result.hasMore) \(result.messages.map(\.content))"
        }
        // Statistics and exports read the same messages.
        let site = try #require(broker.conversation(conversation)?.siteID)
        let analytics = broker.store.read { Analytics(state: $0, site: site, cold: broker.store.history) }
        let month = try #require(Analytics.Period(name: "month"))
        let log = try #require(broker.store.read { $0.conversations[conversation] })
        reads.append("dashboard \(analytics.dashboard(month)) agent \(analytics.performance(of: agent.id, month))")
        reads.append("period \(analytics.messages(of: log, in: month).map(\.seq)) first reply \(analytics.firstResponseSeconds(log) ?? -1)")
        reads.append("unread agent \(broker.unreadCount(conversation, for: .agent(agent.id)) ?? -1)")
        reads.append("unread visitor \(broker.unreadCount(conversation, for: .visitor(visitor.id)) ?? -1)")
        return reads
    }

    @Test func readsAnswerTheSameAfterCompactionAndAfterRestarts() async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, broker, agent, visitor, conversations) = try await Self.populated(fs)
        let before = try Self.everyRead(broker, conversations[0], agent: agent, visitor: visitor)

        let added = try #require(try await store.compactHistory(now: .now()))
        // All but the newest three of the first conversation; the second has only three.
        #expect(added.moves == [HistoryFileAdded.ColdMove(conversation: conversations[0], through: 37)])
        let log = try #require(store.read { $0.conversations[conversations[0]] })
        #expect(log.coldThrough == 37 && log.hotMessages.map(\.seq) == [38, 39, 40])
        #expect(store.read { $0.history } == HistoryCatalog(liveFiles: [added.number], coldMessages: 37))
        #expect(try Self.everyRead(broker, conversations[0], agent: agent, visitor: visitor) == before)
        // Nothing more to move: a second run writes no file.
        #expect(try await store.compactHistory(now: .now()) == nil)

        // A repeated client id of a cold message is still recognised; a new message continues the seqs.
        let repeated = try await broker.send(
            MessageDraft(sender: .visitor(visitor.id), content: "m0", clientMessageID: "c0"), to: conversations[0])
        #expect(repeated.duplicate && repeated.message.seq == 1)
        let next = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m40"), to: conversations[0])
        #expect(next.message.seq == 41)
        let after = try Self.everyRead(broker, conversations[0], agent: agent, visitor: visitor)
        store.close()

        // From the log alone, then from a snapshot that holds only the hot messages.
        for takeSnapshot in [false, true] {
            let (again, broker) = try StoreFixture.open(fs)
            #expect(again.read { $0.conversations[conversations[0]]?.coldThrough } == 37)
            #expect(try Self.everyRead(broker, conversations[0], agent: agent, visitor: visitor) == after)
            // The message id watermark survives though the highest ids may be cold.
            #expect(again.read { $0.watermarks.message } == store.read { $0.watermarks.message })
            if takeSnapshot { try again.takeSnapshot() }
            again.close()
        }
        let (fromSnapshot, restarted) = try StoreFixture.open(fs)
        defer { fromSnapshot.close() }
        #expect(fromSnapshot.startReport.replayedRecords == 0)
        #expect(fromSnapshot.read { $0.counts.messages } == 44)
        #expect(try Self.everyRead(restarted, conversations[0], agent: agent, visitor: visitor) == after)
        // The dedupe window is rebuilt from cold history too.
        let retried = try await restarted.send(
            MessageDraft(sender: .agent(agent.id), content: "m1", clientMessageID: "c1"), to: conversations[0])
        #expect(retried.duplicate && retried.message.seq == 2)
    }

    @Test func aFileNoRecordNamesIsRemovedAtStartAndAMissingLiveFileStopsIt() async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, _, _, _, conversations) = try await Self.populated(fs)
        let added = try #require(try await store.compactHistory(now: .now()))
        // A compaction that crashed between its rename and its record: a finished file no record names.
        let log = try #require(store.read { $0.conversations[conversations[1]] })
        let orphan = try store.history.write(number: 9, messages: log.hotMessages)
        let unfinished = try fs.openForAppending(store.configuration.historyDirectory + "/history-00000000000000000010.hist.tmp")
        try unfinished.append([1, 2, 3])
        try unfinished.close()
        store.close()

        let (reopened, _) = try StoreFixture.open(fs)
        #expect(reopened.startReport.historyCleanup.orphans == ["history-00000000000000000009.hist"])
        #expect(reopened.startReport.historyCleanup.temporary == ["history-00000000000000000010.hist.tmp"])
        #expect(!fs.fileExists(orphan.path))
        #expect(reopened.history.liveNumbers == [added.number])
        reopened.close()

        try fs.removeFile(reopened.history.directory + "/" + HistoryFileFormat.fileName(number: added.number))
        #expect(throws: HistoryError.self) { try StoreFixture.open(fs) }
    }

    @Test func aRestoreCarriesTheHistoryFilesItsStateNames() async throws {
        let fs = CrashSimulatingFileSystem()
        let (store, broker, agent, visitor, conversations) = try await Self.populated(fs)
        try #require(try await store.compactHistory(now: .now()) != nil)
        let reads = try Self.everyRead(broker, conversations[0], agent: agent, visitor: visitor)
        let snapshot = try #require(try store.takeSnapshot())
        store.close()

        #expect(throws: StorageError.self) {
            try SnapshotRestore.restore(snapshotPath: snapshot.path, walDirectory: nil, into: "/restored-without", fileSystem: fs)
        }
        _ = try SnapshotRestore.restore(
            snapshotPath: snapshot.path, walDirectory: nil, historyDirectory: store.configuration.historyDirectory, into: "/restored",
            fileSystem: fs)
        var configuration = StoreFixture.configuration(fs)
        configuration.dataDirectory = "/restored"
        let restored = try EventStore.open(configuration)
        defer { restored.close() }
        #expect(restored.history.liveNumbers == store.history.liveNumbers)
        #expect(try Self.everyRead(Broker(store: restored, passwords: PasswordHasher(cost: 4)), conversations[0], agent: agent, visitor: visitor) == reads)
    }

    @Test func aRecordBeyondAConversationsEndIsRefusedWhole() throws {
        var state = ParleyState()
        for (index, event) in SampleData.version1Events.enumerated() { try state.apply(event, lsn: UInt64(index + 1)) }
        let conversation = SampleData.conversation.id
        let lastSeq = try #require(state.conversations[conversation]?.lastSeq)
        let beyond = HistoryFileAdded(
            number: 1, moves: [HistoryFileAdded.ColdMove(conversation: conversation, through: lastSeq + 1)], at: SampleData.t0)
        #expect(throws: StateError.self) { try state.apply(.historyFileAdded(beyond), lsn: 100) }
        #expect(state.history == HistoryCatalog() && state.conversations[conversation]?.coldThrough == 0)
        let unknown = HistoryFileAdded(
            number: 1, moves: [HistoryFileAdded.ColdMove(conversation: ConversationID(999), through: 1)], at: SampleData.t0)
        #expect(throws: StateError.self) { try state.apply(.historyFileAdded(unknown), lsn: 101) }

        let fine = HistoryFileAdded(
            number: 1, moves: [HistoryFileAdded.ColdMove(conversation: conversation, through: lastSeq - 1)], at: SampleData.t0)
        #expect(try state.apply(.historyFileAdded(fine), lsn: 102))
        // Replayed over a state that has it: nothing changes.
        #expect(try !state.apply(.historyFileAdded(fine), lsn: 102))
        #expect(state.conversations[conversation]?.coldThrough == lastSeq - 1)
        #expect(state.conversations[conversation]?.hotMessages.count == 1)
        let body = StateCodec.encode(state)
        let decoded = try body.withUnsafeBytes { try StateCodec.decode($0) }
        #expect(StateCodec.encode(decoded) == body)
        #expect(decoded.conversations[conversation] == state.conversations[conversation])
    }
}
