import Foundation
import ParleyHistory
import ParleyLog
import ParleyModel
import ParleyTestSupport
import Testing

/// History files (issue 16; snapshots/FORMAT.md, "History file"): what goes in comes out,
/// page by page; every damage is refused with the file and the offset; writing is atomic.
@Suite struct HistoryFileTests {
    static let directory = "/data/history"

    @Test func everyMessageReadsBackAndPagesCrossBlocks() throws {
        let fs = CrashSimulatingFileSystem()
        let messages = HistorySamples.messages()
        let file = try HistorySamples.write(messages, to: Self.directory, fileSystem: fs)
        #expect(file.messageCount == UInt64(messages.count))
        #expect(file.number == 1)
        #expect(file.path == Self.directory + "/history-00000000000000000001.hist")
        #expect(fs.fileExists(file.path) && !fs.fileExists(file.path + ".tmp"))
        try file.verify()
        // Blocks close by count (256) and by bytes (64 KiB), and never mix conversations.
        #expect(file.entries.contains { $0.count == 256 })
        #expect(file.entries.contains { $0.count < 256 && $0.conversation == ConversationID(12) && $0.lastSeq < 731 })
        let byConversation = Dictionary(grouping: messages, by: \.conversationID)
        #expect(file.conversations.map(\.0) == byConversation.keys.sorted())
        for (conversation, expected) in byConversation {
            let range = try #require(file.seqs(of: conversation))
            #expect(range == expected.first!.seq...expected.last!.seq)
            #expect(try file.messages(of: conversation, seqs: range) == expected)
            // Pages of 50 from every offset of 37 cross block borders.
            for start in stride(from: range.lowerBound, through: range.upperBound, by: 37) {
                let page = start...min(start + 49, range.upperBound)
                #expect(try file.messages(of: conversation, seqs: page) == expected.filter { page.contains($0.seq) })
            }
            // What the file does not hold is left out.
            #expect(try file.messages(of: conversation, seqs: (range.upperBound + 1)...(range.upperBound + 10)).isEmpty)
        }
        #expect(file.seqs(of: ConversationID(4)) == nil)
        #expect(try file.messages(of: ConversationID(4), seqs: 1...10).isEmpty)

        // Opening again from the disk gives the same index.
        let again = try HistoryFile.open(path: file.path, fileSystem: fs)
        #expect(again.entries == file.entries && again.codecVersion == UInt16(EventCodec.currentVersion))
    }

    @Test func anEmptyFileIsAFile() throws {
        let fs = CrashSimulatingFileSystem()
        let file = try HistorySamples.write([], to: Self.directory, number: 9, fileSystem: fs)
        #expect(file.messageCount == 0 && file.entries.isEmpty && file.conversations.isEmpty)
        #expect(try fs.readFile(file.path).count == 32 + 1 + 32, "a header, an index of no entries, a footer")
    }

    /// libFuzzer (Fuzz/HistoryFileFuzzer): a footer whose index offset plus size passes 2^64
    /// trapped on the addition instead of refusing the file.
    @Test func aFooterIndexOffsetNear2To64IsRefused() throws {
        let fs = CrashSimulatingFileSystem()
        let file = try HistorySamples.write(HistorySamples.messages(conversations: 1, messagesEach: { _ in 3 }), to: Self.directory, fileSystem: fs)
        var bytes = try fs.readFile(file.path)
        let footer = bytes.count - 32
        for (index, byte) in withUnsafeBytes(of: (UInt64.max - 5).littleEndian, Array.init).enumerated() { bytes[footer + index] = byte }
        try fs.overwrite(file.path, with: bytes)
        #expect(throws: HistoryError.self) { try HistoryFile.open(path: file.path, fileSystem: fs) }
    }

    @Test func theWriterRefusesDisorderAndRemovesWhatItAbandons() throws {
        let fs = CrashSimulatingFileSystem()
        try fs.createDirectoryDurably(Self.directory)
        let messages = HistorySamples.messages(conversations: 2, messagesEach: { _ in 3 })
        let writer = try HistoryFileWriter(directory: Self.directory, number: 2, fileSystem: fs)
        try writer.append(messages[0])
        #expect(throws: HistoryError.self) { try writer.append(messages[2]) }  // a skipped seq
        try writer.append(messages[1])
        #expect(throws: HistoryError.self) { try writer.append(messages[1]) }  // the same again
        try writer.append(messages[2])
        try writer.append(messages[3])
        #expect(throws: HistoryError.self) { try writer.append(messages[0]) }  // an earlier conversation
        writer.abandon()
        #expect(try fs.contentsOfDirectory(Self.directory).isEmpty)
        #expect(throws: HistoryError.self) { try writer.append(messages[4]) }
    }

    @Test func everyFlippedByteAndEveryCutIsRefused() throws {
        let fs = CrashSimulatingFileSystem()
        let messages = HistorySamples.messages(conversations: 3, messagesEach: { [5, 300, 2][$0] })
        let file = try HistorySamples.write(messages, to: Self.directory, fileSystem: fs)
        let original = try fs.readFile(file.path)
        let damagedPath = Self.directory + "/damaged.hist"
        try fs.openForAppending(damagedPath).close()
        func refused(_ bytes: [UInt8]) -> Bool {
            try? fs.overwrite(damagedPath, with: bytes)
            do {
                let opened = try HistoryFile.open(path: damagedPath, fileSystem: fs)
                try opened.verify()
                return false
            } catch let error as HistoryError {
                if case .damaged(let path, _, _) = error { return path == damagedPath }
                return false
            } catch {
                return false
            }
        }
        for position in 0..<original.count {
            var bytes = original
            bytes[position] ^= 0x20
            #expect(refused(bytes), "a flipped byte at \(position) of \(original.count) went unnoticed")
        }
        for length in stride(from: 0, to: original.count, by: 7) {
            #expect(refused(Array(original.prefix(length))), "a file cut at \(length) opened")
        }
        #expect(!refused(original))
    }

    /// Writing is atomic: a crash at any operation of a write (power loss in each way, or a
    /// process kill) leaves no file under the final name, or the whole file.
    @Test func aCrashAtAnyOperationLeavesNoFileOrTheWholeFile() throws {
        let messages = HistorySamples.messages(conversations: 3, messagesEach: { [40, 300, 2][$0] })
        let baseline = CrashSimulatingFileSystem()
        try baseline.createDirectoryDurably(Self.directory)
        let before = baseline.operationCount
        _ = try HistorySamples.write(messages, to: Self.directory, fileSystem: baseline)
        let operations = baseline.operationCount
        #expect(operations - before >= 5)
        let path = Self.directory + "/" + HistoryFileFormat.fileName(number: 1)
        var cases = 0
        var whole = 0
        for operation in (before + 1)...operations {
            for mode in CrashSimulatingFileSystem.CrashMode.allCases {
                var generator = SeededGenerator(seed: UInt64(operation * 10) + UInt64(cases % 7))
                let fs = CrashSimulatingFileSystem()
                try fs.createDirectoryDurably(Self.directory)
                fs.arm(.crash, atOperation: operation)
                _ = try? HistorySamples.write(messages, to: Self.directory, fileSystem: fs)
                let disk = fs.crash(mode, using: &generator)
                cases += 1
                guard disk.fileExists(path) else { continue }
                do {
                    let file = try HistoryFile.open(path: path, fileSystem: disk)
                    try file.verify()
                    let all = try file.conversations.flatMap { try file.messages(of: $0.0, seqs: $0.1) }
                    #expect(all == messages, "operation \(operation), \(mode): the file is not the whole file")
                    whole += 1
                } catch {
                    Issue.record("operation \(operation), \(mode): a file under the final name does not read: \(error)")
                }
            }
        }
        #expect(whole > 0 && whole < cases, "some crashes come before the rename is durable, some after")
    }
}
