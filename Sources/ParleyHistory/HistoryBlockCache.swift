public import ParleyModel

/// The most recently used decoded blocks of one history file, by block offset (least recently
/// used goes first). A page read and the binary search of an id or time anchor touch the same
/// few blocks again and again; files never change, so a cached block never goes stale.
struct HistoryBlockCache {
    let capacity: Int
    private var blocks: [Int: (messages: [Message], used: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
    }

    var count: Int { blocks.count }

    mutating func messages(at offset: Int) -> [Message]? {
        guard let messages = blocks[offset]?.messages else { return nil }
        clock += 1
        blocks[offset]?.used = clock
        return messages
    }

    mutating func keep(_ messages: [Message], at offset: Int) {
        clock += 1
        if blocks[offset] == nil, blocks.count >= capacity, let oldest = blocks.min(by: { $0.value.used < $1.value.used })?.key {
            blocks[oldest] = nil
        }
        blocks[offset] = (messages, clock)
    }
}
