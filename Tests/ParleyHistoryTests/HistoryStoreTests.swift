import ParleyHistory
import ParleyLog
import ParleyModel
import ParleyTestSupport
import Testing

/// The history directory: live files by the state's word, leftovers of crashes removed, reads
/// across files.
@Suite struct HistoryStoreTests {
    static let directory = "/data/history"

    @Test func aConversationSplitAcrossFilesReadsAsOne() throws {
        let fs = CrashSimulatingFileSystem()
        let (store, cleanup) = try HistoryStore.open(directory: Self.directory, live: [], fileSystem: fs)
        #expect(cleanup.temporary.isEmpty && cleanup.orphans.isEmpty)
        let messages = HistorySamples.messages(conversations: 2, messagesEach: { [250, 30][$0] })
        // Conversation 3's seqs 1–100 go into file 1, 101–250 and conversation 6 into file 2.
        let first = try store.write(number: store.nextNumber, messages: messages.prefix(100))
        store.adopt(first)
        let second = try store.write(number: store.nextNumber, messages: messages.dropFirst(100))
        store.adopt(second)
        #expect(store.liveNumbers == [1, 2])
        #expect(store.totals.messages == UInt64(messages.count))
        let three = messages.filter { $0.conversationID == ConversationID(3) }
        #expect(try store.messages(of: ConversationID(3), seqs: 1...250) == three)
        #expect(try store.messages(of: ConversationID(3), seqs: 80...130) == three.filter { (80...130).contains($0.seq) })
        #expect(try store.messages(of: ConversationID(6), seqs: 1...1000) == messages.filter { $0.conversationID == ConversationID(6) })
        #expect(try store.messages(of: ConversationID(9), seqs: 1...10).isEmpty)
        #expect(throws: HistoryError.self) { try store.write(number: 1, messages: []) }
    }

    /// Only `messages(of:seqs:)`: the protocol's own search, one message per probe.
    struct PlainReads: ColdHistory {
        let store: HistoryStore
        func messages(of conversation: ConversationID, seqs: ClosedRange<UInt64>) throws -> [Message] {
            try store.messages(of: conversation, seqs: seqs)
        }
    }

    @Test func theBlockSearchFindsWhatTheMessageSearchFinds() throws {
        let fs = CrashSimulatingFileSystem()
        let (store, _) = try HistoryStore.open(directory: Self.directory, live: [], fileSystem: fs)
        // 700 messages of one conversation over several blocks and two files.
        let messages = HistorySamples.messages(conversations: 1, messagesEach: { _ in 700 })
        store.adopt(try store.write(number: 1, messages: messages.prefix(300)))
        store.adopt(try store.write(number: 2, messages: messages.dropFirst(300)))
        let conversation = messages[0].conversationID
        let plain = PlainReads(store: store)
        let ids = messages.map(\.id.rawValue)
        var bounds = [0, ids[0], ids[0] + 1, ids[699], ids[699] + 1, .max]
        for index in stride(from: 0, to: 700, by: 7) { bounds += [ids[index], ids[index] + 1] }
        for range: ClosedRange<UInt64> in [1...700, 1...299, 301...700, 250...350, 5...5] {
            for bound in bounds {
                let predicate: (Message) -> Bool = { $0.id.rawValue >= bound }
                let byBlocks = try store.firstSeq(of: conversation, in: range, where: predicate)
                #expect(byBlocks == (try plain.firstSeq(of: conversation, in: range, where: predicate)), "\(range) \(bound)")
            }
        }
        #expect(try store.firstSeq(of: ConversationID(999), in: 1...10, where: { _ in true }) == 11)
    }

    @Test func theStartRemovesWhatNoRecordNamesAndRefusesAMissingLiveFile() throws {
        let fs = CrashSimulatingFileSystem()
        let (store, _) = try HistoryStore.open(directory: Self.directory, live: [], fileSystem: fs)
        let messages = HistorySamples.messages(conversations: 3, messagesEach: { _ in 20 })
        store.adopt(try store.write(number: 1, messages: messages.prefix(20)))
        // File 2 was renamed but its record never made it; file 3 was being written.
        _ = try store.write(number: 2, messages: messages.dropFirst(20).prefix(20))
        let unfinished = try fs.openForAppending(Self.directory + "/" + HistoryFileFormat.fileName(number: 3) + ".tmp")
        try unfinished.append([1, 2, 3])
        try unfinished.close()

        // A live file that is missing stops the start, and nothing is removed.
        #expect(throws: HistoryError.self) { try HistoryStore.open(directory: Self.directory, live: [1, 4], fileSystem: fs) }
        #expect(try fs.contentsOfDirectory(Self.directory).count == 3)

        let (reopened, cleanup) = try HistoryStore.open(directory: Self.directory, live: [1], fileSystem: fs)
        #expect(cleanup.orphans == [HistoryFileFormat.fileName(number: 2)])
        #expect(cleanup.temporary == [HistoryFileFormat.fileName(number: 3) + ".tmp"])
        #expect(try fs.contentsOfDirectory(Self.directory) == [HistoryFileFormat.fileName(number: 1)])
        #expect(reopened.liveNumbers == [1])
        #expect(try reopened.messages(of: ConversationID(3), seqs: 1...100) == Array(messages.prefix(20)))
    }

    @Test func aDamagedLiveFileStopsTheStart() throws {
        let fs = CrashSimulatingFileSystem()
        let (store, _) = try HistoryStore.open(directory: Self.directory, live: [], fileSystem: fs)
        let file = try store.write(number: 1, messages: HistorySamples.messages(conversations: 1, messagesEach: { _ in 5 }))
        var bytes = try fs.readFile(file.path)
        bytes[bytes.count - 3] ^= 1
        try fs.overwrite(file.path, with: bytes)
        #expect(throws: HistoryError.self) { try HistoryStore.open(directory: Self.directory, live: [1], fileSystem: fs) }
    }
}
