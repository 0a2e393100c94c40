public import ParleyLog
public import ParleyModel
import Synchronization

/// The history files of one data directory (`data/history/`): which are live, and reads of a
/// conversation's cold messages across them.
///
/// Which files are live is the durable state's to say (a file counts once a log record names
/// it; snapshots/FORMAT.md, "History file"): ``open(directory:live:fileSystem:)`` is given that
/// set, removes what a crash left behind (temporary files, files no record names) and refuses
/// to start when a live file is missing or damaged. Compaction writes a new file with
/// ``write(number:messages:)``, logs it, then ``adopt(_:)``s it.
public final class HistoryStore: ColdHistory {
    public let directory: String
    private let fileSystem: any FileSystem
    private let files: Mutex<[UInt64: HistoryFile]>
    /// The highest file number this store has held.
    private let highest = Mutex<UInt64>(0)
    /// Unread counts over cold ranges, remembered: the files never change (bounded; cleared when full).
    private let counts = Mutex<[CountKey: Int]>([:])
    private static let countsKept = 65_536

    private struct CountKey: Hashable {
        var conversation: ConversationID
        var seqs: ClosedRange<UInt64>
        var reader: Participant
    }

    private init(directory: String, fileSystem: any FileSystem, files: [UInt64: HistoryFile]) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.files = Mutex(files)
    }

    /// What ``open(directory:live:fileSystem:)`` removed.
    public struct Cleanup: Sendable, Equatable {
        /// Unfinished files of a write a crash interrupted.
        public var temporary: [String] = []
        /// Finished files no durable record names (a crash between the rename and the record).
        public var orphans: [String] = []
    }

    /// Opens the live files, after removing the leftovers of crashes; throws when a live file
    /// is missing or fails its checks (nothing is removed then).
    public static func open(
        directory: String, live: Set<UInt64>, fileSystem: any FileSystem = PosixFileSystem()
    ) throws -> (HistoryStore, Cleanup) {
        try fileSystem.createDirectoryDurably(directory)
        let names = try fileSystem.contentsOfDirectory(directory)
        var opened: [UInt64: HistoryFile] = [:]
        for number in live.sorted() {
            let path = joinPath(directory, HistoryFileFormat.fileName(number: number))
            guard fileSystem.fileExists(path) else {
                throw HistoryError.damaged(file: path, offset: 0, "the state names this history file, but it is missing")
            }
            opened[number] = try HistoryFile.open(path: path, fileSystem: fileSystem)
        }
        var cleanup = Cleanup()
        for name in names.sorted() {
            if name.hasSuffix(".hist.tmp") {
                cleanup.temporary.append(name)
            } else if let number = HistoryFileFormat.number(fromFileName: name), !live.contains(number) {
                cleanup.orphans.append(name)
            }
        }
        for name in cleanup.temporary + cleanup.orphans { try fileSystem.removeFile(joinPath(directory, name)) }
        if !(cleanup.temporary + cleanup.orphans).isEmpty { try fileSystem.syncDirectory(directory) }
        return (HistoryStore(directory: directory, fileSystem: fileSystem, files: opened), cleanup)
    }

    /// The live files' numbers.
    public var liveNumbers: Set<UInt64> { files.withLock { Set($0.keys) } }

    /// The next free file number (above every file opened or written since the start, so a
    /// replaced file's number is not handed out again while its file may still be on disk).
    public var nextNumber: UInt64 { max(files.withLock { ($0.keys.max() ?? 0) + 1 }, highest.withLock { $0 } + 1) }

    /// Writes a new file (not live until ``adopt(_:)``): messages by conversation id, each
    /// conversation's with consecutive `seq`s.
    public func write(number: UInt64, messages: some Sequence<Message>) throws -> HistoryFile {
        guard files.withLock({ $0[number] == nil }) else { throw HistoryError.misuse("history file \(number) is live") }
        let writer = try HistoryFileWriter(directory: directory, number: number, fileSystem: fileSystem)
        do {
            for message in messages { try writer.append(message) }
        } catch {
            writer.abandon()
            throw error
        }
        return try writer.finish()
    }

    /// Makes a written file readable, just before the record that names it is appended (a
    /// reader that sees the record applied must find the file).
    public func adopt(_ file: HistoryFile) {
        files.withLock { $0[file.number] = file }
        highest.withLock { $0 = max($0, file.number) }
    }

    /// Stops reading a file a durable `history_file_replaced` record retired; ``delete(_:)``
    /// unlinks it once the reads that found it before have finished.
    public func retire(_ number: UInt64) -> HistoryFile? {
        highest.withLock { $0 = max($0, number) }
        return files.withLock { $0.removeValue(forKey: number) }
    }

    /// Unlinks a retired file, and fsyncs the directory.
    public func delete(_ file: HistoryFile) throws {
        try fileSystem.removeFile(file.path)
        try fileSystem.syncDirectory(directory)
    }

    /// A live file.
    public func file(_ number: UInt64) -> HistoryFile? { files.withLock { $0[number] } }

    /// Writes `file` again as file `number` (not live until ``adopt(_:)``), keeping of each of
    /// its conversations only the `seq`s `keeping` gives (`nil`: none); block by block, so a
    /// file of any size takes one block's memory. Returns `nil` when nothing is kept.
    public func rewrite(
        _ file: HistoryFile, as number: UInt64, keeping: (ConversationID) -> ClosedRange<UInt64>?
    ) throws -> HistoryFile? {
        guard files.withLock({ $0[number] == nil }) else { throw HistoryError.misuse("history file \(number) is live") }
        let writer = try HistoryFileWriter(directory: directory, number: number, fileSystem: fileSystem)
        var kept = 0
        do {
            for entry in file.entries {
                guard let wanted = keeping(entry.conversation), wanted.overlaps(entry.seqs) else { continue }
                for message in try file.readBlock(entry) where wanted.contains(message.seq) {
                    try writer.append(message)
                    kept += 1
                }
            }
        } catch {
            writer.abandon()
            throw error
        }
        guard kept > 0 else {
            writer.abandon()
            return nil
        }
        return try writer.finish()
    }

    /// Forgets and deletes a file whose record could not be appended (the state never named it).
    public func abandon(_ file: HistoryFile) {
        _ = files.withLock { $0.removeValue(forKey: file.number) }
        try? fileSystem.removeFile(file.path)
        try? fileSystem.syncDirectory(directory)
    }

    /// A binary search over the conversation's blocks (their first messages: one block body
    /// read, one message decoded, per probe), then within the one block that holds the answer.
    public func firstSeq(
        of conversation: ConversationID, in seqs: ClosedRange<UInt64>, where predicate: (Message) throws -> Bool
    ) throws -> UInt64 {
        // The blocks of the conversation in the range, across files, in `seq` order (the index only).
        let blocks = files.withLock { files in
            files.values.flatMap { file in file.blocks(of: conversation).filter { $0.seqs.overlaps(seqs) }.map { (file, $0) } }
        }.sorted { $0.1.firstSeq < $1.1.firstSeq }
        func clamped(_ seq: UInt64) -> UInt64 { min(max(seq, seqs.lowerBound), seqs.upperBound + 1) }
        // The first block whose first message satisfies the predicate.
        var low = 0
        var high = blocks.count
        while low < high {
            let middle = (low + high) / 2
            if try predicate(try blocks[middle].0.firstMessage(blocks[middle].1)) { high = middle } else { low = middle + 1 }
        }
        guard low > 0 else { return clamped(blocks.first?.1.firstSeq ?? seqs.upperBound + 1) }
        // The block before it starts with a message that does not: the answer is inside it, or right after it.
        let (file, entry) = blocks[low - 1]
        let messages = try file.cachedBlock(entry)
        if let found = try messages.firstIndex(where: predicate) { return clamped(messages[found].seq) }
        return clamped(low < blocks.count ? blocks[low].1.firstSeq : entry.lastSeq + 1)
    }

    public func countMessages(of conversation: ConversationID, seqs: ClosedRange<UInt64>, notSentBy reader: Participant) throws -> Int {
        let key = CountKey(conversation: conversation, seqs: seqs, reader: reader)
        if let known = counts.withLock({ $0[key] }) { return known }
        let count = try messages(of: conversation, seqs: seqs).count { $0.sender.participant != reader }
        counts.withLock { counts in
            if counts.count >= Self.countsKept { counts.removeAll(keepingCapacity: true) }
            counts[key] = count
        }
        return count
    }

    /// The messages of `conversation` with `seq` in `seqs` that the live files hold, in order.
    public func messages(of conversation: ConversationID, seqs: ClosedRange<UInt64>) throws -> [Message] {
        // Each file's range of the conversation, looked up once; files hold disjoint ranges.
        let holding = files.withLock { files in
            files.values.compactMap { file in file.seqs(of: conversation).flatMap { $0.overlaps(seqs) ? ($0.lowerBound, file) : nil } }
        }
        var result: [Message] = []
        for (_, file) in holding.sorted(by: { $0.0 < $1.0 }) { result += try file.messages(of: conversation, seqs: seqs) }
        return result
    }

    /// How many messages the live files hold, and their bytes on disk.
    public var totals: (messages: UInt64, bytes: Int) {
        files.withLock { files in
            files.values.reduce((UInt64(0), 0)) { ($0.0 + $1.messageCount, $0.1 + $1.fileSize) }
        }
    }
}
