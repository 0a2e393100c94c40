import ParleyModel
import Testing

@testable import ParleyHistory

@Suite struct HistoryBlockCacheTests {
    static func block(_ seq: UInt64) -> [Message] {
        [Message(id: MessageID(seq), conversationID: ConversationID(1), seq: seq, sender: .system, content: "\(seq)", createdAt: Timestamp(milliseconds: 0))]
    }

    @Test func theLeastRecentlyUsedBlockGoesFirst() {
        var cache = HistoryBlockCache(capacity: 2)
        cache.keep(Self.block(1), at: 100)
        cache.keep(Self.block(2), at: 200)
        #expect(cache.messages(at: 100) == Self.block(1))  // 100 is now the more recent
        cache.keep(Self.block(3), at: 300)  // evicts 200
        #expect(cache.messages(at: 200) == nil)
        #expect(cache.messages(at: 100) == Self.block(1))
        #expect(cache.messages(at: 300) == Self.block(3))
        #expect(cache.count == 2)
        cache.keep(Self.block(4), at: 300)  // replacing a kept block evicts nothing
        #expect(cache.count == 2 && cache.messages(at: 100) != nil && cache.messages(at: 300) == Self.block(4))
    }
}
