import ParleyHistory
import ParleyLog
import ParleyModel
import ParleyTestSupport

/// Deterministic cold history for the history-file tests: conversations with many messages
/// of every kind and size, so that blocks close by count and by bytes.
enum HistorySamples {
    /// `conversations` conversations (ids 3, 6, 9, …); the i-th holds `messagesEach(i)`
    /// messages starting at `seq` `firstSeq(i)`.
    static func messages(conversations: Int = 5, messagesEach: (Int) -> Int = { [1, 300, 40, 700, 3][$0 % 5] }) -> [Message] {
        var result: [Message] = []
        var id: UInt64 = 1
        for index in 0..<conversations {
            let conversation = ConversationID(UInt64(3 * (index + 1)))
            let firstSeq = UInt64(1 + 10 * index)
            for offset in 0..<messagesEach(index) {
                let seq = firstSeq + UInt64(offset)
                // Every 97th message is long, so that some blocks close by bytes.
                let text = offset % 97 == 5 ? String(repeating: "долгий текст ", count: 600) : "message \(seq) of \(conversation.rawValue)"
                result.append(
                    Message(
                        id: MessageID(id), conversationID: conversation, seq: seq,
                        sender: offset % 3 == 0 ? .visitor(SampleData.visitor.id) : offset % 3 == 1 ? .agent(SampleData.agent.id) : .system,
                        content: text, contentType: offset % 11 == 4 ? .file : .text, fileID: offset % 11 == 4 ? UInt64(offset) : nil,
                        clientMessageID: offset % 2 == 0 ? "c-\(id)" : nil,
                        createdAt: Timestamp(milliseconds: SampleData.t0.milliseconds + Int64(id) * 1000),
                        metadataJSON: offset % 13 == 0 ? #"{"page":"/p/\#(offset)"}"# : nil))
                id += 1
            }
        }
        return result
    }

    /// Writes `messages` into file `number` in `directory`.
    static func write(_ messages: [Message], to directory: String, number: UInt64 = 1, fileSystem: any FileSystem) throws -> HistoryFile {
        try fileSystem.createDirectoryDurably(directory)
        let writer = try HistoryFileWriter(directory: directory, number: number, fileSystem: fileSystem)
        for message in messages { try writer.append(message) }
        return try writer.finish()
    }
}
