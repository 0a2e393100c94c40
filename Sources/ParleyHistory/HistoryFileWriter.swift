public import ParleyLog
public import ParleyModel
import ParleySnapshot

/// Writes one history file (snapshots/FORMAT.md, "History file"), streaming: messages go in
/// by conversation id, each conversation's with consecutive `seq`s; blocks are compressed and
/// appended as they fill; only the index is held in memory.
///
/// The file is written under a temporary name and becomes `history-<number>.hist` in
/// ``finish()`` after an `fdatasync`, with the directory synced after the rename: it exists
/// under its final name whole or not at all. ``abandon()`` removes a file not finished.
///
/// ```swift
/// let writer = try HistoryFileWriter(directory: "data/history", number: 7)
/// for message in messages { try writer.append(message) }
/// let file = try writer.finish()
/// ```
public final class HistoryFileWriter {
    public let path: String
    public let number: UInt64
    private let directory: String
    private let temporaryPath: String
    private let fileSystem: any FileSystem
    private let file: any AppendableFile
    private var entries: [HistoryBlockEntry] = []
    private var block: [UInt8] = []
    private var blockConversation = ConversationID(0)
    private var blockFirstSeq: UInt64 = 0
    private var blockCount = 0
    private var last: (conversation: ConversationID, seq: UInt64)?
    private var offset = HistoryFileFormat.headerSize
    private var messageCount: UInt64 = 0
    private var closed = false
    /// Bytes appended since the last `fdatasync`.
    private var unsynced = 0
    /// The file is synced every this many bytes as it grows, so the final sync (and a log
    /// fsync waiting behind it in the file system's journal) never has a whole file to flush.
    static let syncEveryBytes = 8 << 20

    public init(directory: String, number: UInt64, fileSystem: any FileSystem = PosixFileSystem()) throws {
        self.directory = directory
        self.number = number
        self.fileSystem = fileSystem
        path = joinPath(directory, HistoryFileFormat.fileName(number: number))
        temporaryPath = path + ".tmp"
        if fileSystem.fileExists(temporaryPath) { try fileSystem.removeFile(temporaryPath) }
        file = try fileSystem.openForAppending(temporaryPath)
        do {
            try file.append(HistoryFileFormat.header(codecVersion: UInt16(EventCodec.currentVersion), number: number))
        } catch {
            abandon()
            throw error
        }
    }

    /// Adds the next message: a later conversation, or the next `seq` of the current one.
    public func append(_ message: Message) throws {
        guard !closed else { throw HistoryError.misuse("append after finish or abandon") }
        if let last {
            let next = message.conversationID == last.conversation ? message.seq == last.seq + 1 : message.conversationID > last.conversation
            guard next else {
                throw HistoryError.misuse(
                    "\(message.conversationID) seq \(message.seq) after \(last.conversation) seq \(last.seq)")
            }
        }
        guard message.seq >= 1 else { throw HistoryError.misuse("seq 0") }
        var encoded = BinaryWriter(capacity: 64 + message.content.utf8.count)
        encoded.write(message, includingConversation: false)
        guard encoded.bytes.count <= HistoryFileFormat.blockBytes else {
            throw HistoryError.misuse("a message of \(encoded.bytes.count) bytes (a block holds \(HistoryFileFormat.blockBytes))")
        }
        let fits = blockCount < HistoryFileFormat.blockMessages && block.count + encoded.bytes.count <= HistoryFileFormat.blockBytes
        if blockCount > 0, message.conversationID != blockConversation || !fits { try flushBlock() }
        if blockCount == 0 {
            blockConversation = message.conversationID
            blockFirstSeq = message.seq
        }
        block.append(contentsOf: encoded.bytes)
        blockCount += 1
        last = (message.conversationID, message.seq)
    }

    /// Writes the index and the footer, syncs, and gives the file its name. Returns the file,
    /// opened for reading.
    public func finish() throws -> HistoryFile {
        guard !closed else { throw HistoryError.misuse("finish twice") }
        do {
            if blockCount > 0 { try flushBlock() }
            let index = HistoryBlockEntry.encodeIndex(entries)
            try file.append(index)
            try file.append(
                HistoryFileFormat.footer(
                    indexOffset: UInt64(offset), indexSize: UInt32(index.count), indexCRC: CRC32C.checksum(index),
                    messages: messageCount))
            try file.sync()
            try file.close()
            closed = true
            try fileSystem.rename(temporaryPath, to: path)
            try fileSystem.syncDirectory(directory)
        } catch {
            abandon()
            throw error
        }
        return try HistoryFile.open(path: path, fileSystem: fileSystem)
    }

    /// Drops an unfinished file.
    public func abandon() {
        if !closed { try? file.close() }
        closed = true
        try? fileSystem.removeFile(temporaryPath)
    }

    private func flushBlock() throws {
        let uncompressed = block
        let compressed = try LZ4Frame.compress(uncompressed)
        let head = HistoryFileFormat.blockHead(frame: compressed, uncompressed: uncompressed.count, messages: blockCount)
        try file.append(head)
        try file.append(compressed)
        let size = head.count + compressed.count
        entries.append(
            HistoryBlockEntry(conversation: blockConversation, firstSeq: blockFirstSeq, count: blockCount, offset: offset, size: size))
        offset += size
        unsynced += size
        if unsynced >= Self.syncEveryBytes {
            try file.sync()
            unsynced = 0
        }
        messageCount += UInt64(blockCount)
        block.removeAll(keepingCapacity: true)
        blockCount = 0
    }
}
