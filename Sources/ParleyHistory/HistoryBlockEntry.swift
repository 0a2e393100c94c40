public import ParleyModel

/// One index entry of a history file: which messages a block holds and where it is.
public struct HistoryBlockEntry: Hashable, Sendable {
    public var conversation: ConversationID
    public var firstSeq: UInt64
    public var count: Int
    /// The offset of the block's 16-byte head in the file.
    public var offset: Int
    /// The block's size, head included.
    public var size: Int

    public init(conversation: ConversationID, firstSeq: UInt64, count: Int, offset: Int, size: Int) {
        self.conversation = conversation
        self.firstSeq = firstSeq
        self.count = count
        self.offset = offset
        self.size = size
    }

    public var lastSeq: UInt64 { firstSeq + UInt64(count) - 1 }

    public var seqs: ClosedRange<UInt64> { firstSeq...lastSeq }
}

extension HistoryBlockEntry {
    /// The index: a varint count, then each entry's five varints.
    static func encodeIndex(_ entries: [HistoryBlockEntry]) -> [UInt8] {
        var writer = BinaryWriter(capacity: 8 + entries.count * 12)
        writer.write(UInt64(entries.count))
        for entry in entries {
            writer.write(entry.conversation.rawValue)
            writer.write(entry.firstSeq)
            writer.write(UInt64(entry.count))
            writer.write(UInt64(entry.offset))
            writer.write(UInt64(entry.size))
        }
        return writer.bytes
    }

    /// Parses an index and checks what can be checked without the blocks: order, no gap or
    /// overlap within a conversation, every block between the header and the index.
    static func decodeIndex(_ bytes: [UInt8], blocksEnd: Int, file: String, at offset: Int) throws -> [HistoryBlockEntry] {
        func damaged(_ why: String) -> HistoryError { .damaged(file: file, offset: offset, "index: \(why)") }
        do {
            return try bytes.withUnsafeBytes { raw throws -> [HistoryBlockEntry] in
                var reader = BinaryReader(raw)
                let count = try reader.readUInt64()
                // Each entry takes at least five bytes: a count past that is damage, not a size to allocate.
                guard count <= UInt64(bytes.count / 5) else { throw damaged("\(count) entries in \(bytes.count) bytes") }
                var entries: [HistoryBlockEntry] = []
                entries.reserveCapacity(Int(count))
                var nextOffset = HistoryFileFormat.headerSize
                for _ in 0..<count {
                    let conversation = ConversationID(try reader.readUInt64())
                    let firstSeq = try reader.readUInt64()
                    let messages = try reader.readUInt64()
                    let blockOffset = try reader.readUInt64()
                    let size = try reader.readUInt64()
                    guard firstSeq >= 1, messages >= 1, messages <= UInt64(HistoryFileFormat.blockMessages),
                        firstSeq <= UInt64.max - messages
                    else { throw damaged("a block of \(messages) messages from seq \(firstSeq)") }
                    guard blockOffset == UInt64(nextOffset), size > UInt64(HistoryFileFormat.blockHeadSize),
                        size <= UInt64(blocksEnd - nextOffset)
                    else { throw damaged("a block at \(blockOffset) of \(size) bytes where one was due at \(nextOffset)") }
                    let entry = HistoryBlockEntry(
                        conversation: conversation, firstSeq: firstSeq, count: Int(messages), offset: Int(blockOffset), size: Int(size))
                    if let previous = entries.last {
                        if previous.conversation == conversation {
                            guard entry.firstSeq == previous.lastSeq + 1 else {
                                throw damaged("\(conversation) jumps from seq \(previous.lastSeq) to \(entry.firstSeq)")
                            }
                        } else if previous.conversation > conversation {
                            throw damaged("conversations out of order (\(previous.conversation) before \(conversation))")
                        }
                    }
                    entries.append(entry)
                    nextOffset += Int(size)
                }
                guard nextOffset == blocksEnd else { throw damaged("the blocks end at \(nextOffset), the index starts at \(blocksEnd)") }
                guard reader.isAtEnd else { throw damaged("\(reader.remaining) trailing bytes") }
                return entries
            }
        } catch let error as HistoryError {
            throw error
        } catch {
            throw damaged("\(error)")
        }
    }
}
