public import ParleyLog
public import ParleyModel
import ParleySnapshot
import Synchronization

/// A finished history file, open for reading: its index is in memory; blocks are read,
/// checked and decompressed only when a request needs them (snapshots/FORMAT.md, "History
/// file"). Immutable, so it is shared freely; the few blocks read last are kept decoded.
public final class HistoryFile: Sendable {
    public let path: String
    public let number: UInt64
    /// The event codec version its messages were written with.
    public let codecVersion: UInt16
    /// One entry per block, by (conversation, first `seq`).
    public let entries: [HistoryBlockEntry]
    public let messageCount: UInt64
    public let fileSize: Int
    private let fileSystem: any FileSystem
    private let cache = Mutex(HistoryBlockCache(capacity: HistoryFile.cachedBlocks))
    /// Decoded blocks kept per file (a block is at most 64 KiB of messages).
    static let cachedBlocks = 16

    private init(
        path: String, number: UInt64, codecVersion: UInt16, entries: [HistoryBlockEntry], messageCount: UInt64, fileSize: Int,
        fileSystem: any FileSystem
    ) {
        self.path = path
        self.number = number
        self.codecVersion = codecVersion
        self.entries = entries
        self.messageCount = messageCount
        self.fileSize = fileSize
        self.fileSystem = fileSystem
    }

    /// Opens a file: checks its header, footer and index (not the blocks: ``verify()`` does).
    public static func open(path: String, fileSystem: any FileSystem = PosixFileSystem()) throws -> HistoryFile {
        let (header, fileSize) = try fileSystem.read(path, offset: 0, count: HistoryFileFormat.headerSize)
        func damaged(_ offset: Int, _ why: String) -> HistoryError { .damaged(file: path, offset: offset, why) }
        let minimum = HistoryFileFormat.headerSize + HistoryFileFormat.footerSize
        guard fileSize >= minimum, header.count == HistoryFileFormat.headerSize else {
            throw damaged(0, "\(fileSize) bytes, fewer than a header and a footer")
        }
        guard header.prefix(8).elementsEqual(HistoryFileFormat.headerMagic) else { throw damaged(0, "not a history file (bad magic)") }
        guard CRC32C.checksum(header.prefix(28)) == header.littleEndian(at: 28, as: UInt32.self) else {
            throw damaged(0, "header checksum mismatch")
        }
        let format: UInt16 = header.littleEndian(at: 8)
        guard format >= 1, format <= HistoryFileFormat.formatVersion else {
            throw damaged(8, "format version \(format); this build reads 1 to \(HistoryFileFormat.formatVersion)")
        }
        let codecVersion: UInt16 = header.littleEndian(at: 10)
        guard codecVersion >= 1, codecVersion <= UInt16(EventCodec.currentVersion) else {
            throw damaged(10, "message codec version \(codecVersion); this build reads 1 to \(EventCodec.currentVersion)")
        }
        let number: UInt64 = header.littleEndian(at: 16)
        let footerOffset = fileSize - HistoryFileFormat.footerSize
        let (footer, _) = try fileSystem.read(path, offset: footerOffset, count: HistoryFileFormat.footerSize)
        guard footer.count == HistoryFileFormat.footerSize, footer.suffix(8).elementsEqual(HistoryFileFormat.footerMagic) else {
            throw damaged(footerOffset, "no footer (the file is cut short or was never finished)")
        }
        let indexOffset: UInt64 = footer.littleEndian(at: 0)
        let indexSize: UInt32 = footer.littleEndian(at: 8)
        let messageCount: UInt64 = footer.littleEndian(at: 16)
        // By subtraction: an offset near 2^64 in a damaged footer must not overflow (libFuzzer found it).
        guard indexOffset >= UInt64(HistoryFileFormat.headerSize), indexOffset <= UInt64(footerOffset),
            UInt64(footerOffset) - indexOffset == UInt64(indexSize)
        else {
            throw damaged(footerOffset, "the index (\(indexSize) bytes at \(indexOffset)) does not end at the footer")
        }
        let (index, _) = try fileSystem.read(path, offset: Int(indexOffset), count: Int(indexSize))
        guard index.count == Int(indexSize), CRC32C.checksum(index) == footer.littleEndian(at: 12, as: UInt32.self) else {
            throw damaged(Int(indexOffset), "index checksum mismatch")
        }
        let entries = try HistoryBlockEntry.decodeIndex(index, blocksEnd: Int(indexOffset), file: path, at: Int(indexOffset))
        guard entries.reduce(0, { $0 + UInt64($1.count) }) == messageCount else {
            throw damaged(footerOffset, "the footer counts \(messageCount) messages, the index another number")
        }
        return HistoryFile(
            path: path, number: number, codecVersion: codecVersion, entries: entries, messageCount: messageCount, fileSize: fileSize,
            fileSystem: fileSystem)
    }

    /// The conversations in the file, each with the `seq`s it holds.
    public var conversations: [(ConversationID, ClosedRange<UInt64>)] {
        var result: [(ConversationID, ClosedRange<UInt64>)] = []
        for entry in entries {
            if let last = result.last, last.0 == entry.conversation {
                result[result.count - 1].1 = last.1.lowerBound...entry.lastSeq
            } else {
                result.append((entry.conversation, entry.seqs))
            }
        }
        return result
    }

    /// The `seq`s of `conversation` the file holds, if any.
    public func seqs(of conversation: ConversationID) -> ClosedRange<UInt64>? {
        let blocks = self.blocks(of: conversation)
        guard let first = blocks.first, let last = blocks.last else { return nil }
        return first.firstSeq...last.lastSeq
    }

    /// The messages of `conversation` with `seq` in `seqs`, in order; the part of `seqs` the
    /// file does not hold is left out.
    public func messages(of conversation: ConversationID, seqs: ClosedRange<UInt64>) throws -> [Message] {
        var result: [Message] = []
        for entry in blocks(of: conversation) where entry.seqs.overlaps(seqs) {
            for message in try cachedBlock(entry) where seqs.contains(message.seq) { result.append(message) }
        }
        return result
    }

    /// A block's messages from the cache, else read, checked and kept there.
    func cachedBlock(_ entry: HistoryBlockEntry) throws -> [Message] {
        if let messages = cache.withLock({ $0.messages(at: entry.offset) }) { return messages }
        let messages = try readBlock(entry)
        cache.withLock { $0.keep(messages, at: entry.offset) }
        return messages
    }

    /// Reads every block and checks it against the index (for `parley` tools and tests).
    public func verify() throws {
        for entry in entries { _ = try readBlock(entry) }
    }

    /// The entries of `conversation`'s blocks (a binary search in the index).
    func blocks(of conversation: ConversationID) -> ArraySlice<HistoryBlockEntry> {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].conversation < conversation { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < entries.count, entries[end].conversation == conversation { end += 1 }
        return entries[low..<end]
    }

    /// One block's messages, checked: its CRC, its LZ4 frame, its sizes, its count and `seq`s.
    func readBlock(_ entry: HistoryBlockEntry) throws -> [Message] {
        try decode(entry, from: try readBody(entry), upTo: entry.count)
    }

    /// The first message of a block (its body read and checked whole, only one message
    /// decoded): what a binary search over blocks probes. From the cache when it has the block.
    func firstMessage(_ entry: HistoryBlockEntry) throws -> Message {
        if let messages = cache.withLock({ $0.messages(at: entry.offset) }), let first = messages.first { return first }
        guard let first = try decode(entry, from: try readBody(entry), upTo: 1).first else {
            throw HistoryError.damaged(file: path, offset: entry.offset, "block: empty")
        }
        return first
    }

    /// A block's uncompressed body, after its CRC, sizes and LZ4 frame are checked.
    private func readBody(_ entry: HistoryBlockEntry) throws -> [UInt8] {
        func damaged(_ why: String) -> HistoryError { .damaged(file: path, offset: entry.offset, "block: \(why)") }
        let (bytes, _) = try fileSystem.read(path, offset: entry.offset, count: entry.size)
        guard bytes.count == entry.size else { throw damaged("cut short") }
        let compressed: UInt32 = bytes.littleEndian(at: 0)
        let uncompressed: UInt32 = bytes.littleEndian(at: 4)
        let count: UInt32 = bytes.littleEndian(at: 8)
        let crc: UInt32 = bytes.littleEndian(at: 12)
        guard Int(compressed) == entry.size - HistoryFileFormat.blockHeadSize, Int(count) == entry.count else {
            throw damaged("its head (\(compressed) bytes, \(count) messages) disagrees with the index")
        }
        let frame = bytes[HistoryFileFormat.blockHeadSize...]
        guard CRC32C.update(CRC32C.checksum(bytes[0..<12]), frame) == crc else { throw damaged("checksum mismatch") }
        guard uncompressed <= UInt32(HistoryFileFormat.blockBytes) else {
            throw damaged("\(uncompressed) bytes uncompressed, more than a block holds")
        }
        do {
            return try frame.withUnsafeBytes { try LZ4Frame.decompress($0, expectedSize: Int(uncompressed)) }
        } catch {
            throw damaged("\(error)")
        }
    }

    /// The first `limit` messages of a block's body; all of them (`limit` = the block's count)
    /// also checks that nothing follows the last.
    private func decode(_ entry: HistoryBlockEntry, from body: [UInt8], upTo limit: Int) throws -> [Message] {
        func damaged(_ why: String) -> HistoryError { .damaged(file: path, offset: entry.offset, "block: \(why)") }
        do {
            return try body.withUnsafeBytes { raw throws -> [Message] in
                var reader = BinaryReader(raw)
                var messages: [Message] = []
                messages.reserveCapacity(min(limit, entry.count))
                for index in 0..<min(limit, entry.count) {
                    let message = try reader.readMessage(in: entry.conversation, version: UInt8(codecVersion))
                    guard message.seq == entry.firstSeq + UInt64(index) else {
                        throw damaged("seq \(message.seq) where \(entry.firstSeq + UInt64(index)) was due")
                    }
                    messages.append(message)
                }
                if limit >= entry.count {
                    guard reader.isAtEnd else { throw damaged("\(reader.remaining) bytes after the last message") }
                }
                return messages
            }
        } catch let error as HistoryError {
            throw error
        } catch {
            throw damaged("\(error)")
        }
    }
}
