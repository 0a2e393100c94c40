import Foundation
import ParleyHistory
import ParleyLog
import ParleyModel
import Testing

/// `snapshots/golden/history-v1/` was written by history format version 1; every later
/// version must read it exactly. `PARLEY_WRITE_GOLDEN_HISTORY=1 swift test --filter
/// HistoryGoldenFileTests` writes it — only when a new format version is added.
@Suite struct HistoryGoldenFileTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("snapshots/golden/history-v1").path
    static let messages = HistorySamples.messages(conversations: 3, messagesEach: { [3, 300, 2][$0] })

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PARLEY_WRITE_GOLDEN_HISTORY"] == "1"))
    func writeGoldenFile() throws {
        try? FileManager.default.removeItem(atPath: Self.folder)
        _ = try HistorySamples.write(Self.messages, to: Self.folder, fileSystem: PosixFileSystem())
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PARLEY_WRITE_GOLDEN_HISTORY"] == nil))
    func theGoldenFileReadsBackExactly() throws {
        let file = try HistoryFile.open(path: Self.folder + "/" + HistoryFileFormat.fileName(number: 1))
        try file.verify()
        #expect(file.codecVersion == 17)
        let all = try file.conversations.flatMap { try file.messages(of: $0.0, seqs: $0.1) }
        #expect(all == Self.messages)
    }
}
