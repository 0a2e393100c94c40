import Crypto
import ParleyModel
import Testing

@testable import ParleyHTTP

/// The chats list's paging decisions and its cursor, without I/O.
@Suite struct ChatsQueryTests {
    static let key = SymmetricKey(size: .bits256)

    static func entries(_ count: Int) -> [ChatsQuery.Entry] {
        (1...count).map { (index: Int) -> ChatsQuery.Entry in
            let time = Int64((index * 7) % 5) * 1000
            return ChatsQuery.Entry(id: UInt64(index), lastMessageAt: time, personal: index % 2 == 0, archived: index % 10 == 0)
        }
    }

    func walk(_ query: ChatsQuery, _ entries: [ChatsQuery.Entry]) -> [UInt64] {
        var seen: [UInt64] = []
        var cursor: ChatsCursor?
        repeat {
            let page = query.page(entries, after: cursor)
            #expect(page.items.count <= query.limit)
            seen += page.items.map(\.id)
            cursor = page.next
        } while cursor != nil
        return seen
    }

    @Test func pagesCoverEveryKeptChatOnceInOrder() throws {
        let all = Self.entries(53)
        for sort in [ChatsQuery.SortField.id, .lastMessageAt] {
            for direction in [ChatsQuery.Direction.asc, .desc] {
                var query = ChatsQuery()
                query.sort = sort
                query.direction = direction
                query.limit = 4
                let seen = walk(query, all)
                let kept = all.filter { query.keeps($0) }
                #expect(Set(seen) == Set(kept.map(\.id)) && seen.count == kept.count, "\(sort) \(direction)")
                let keys = seen.map { id in (query.sortValue(all[Int(id) - 1]), id) }
                #expect(zip(keys, keys.dropFirst()).allSatisfy { direction == .asc ? $0 < $1 : $0 > $1 }, "\(sort) \(direction)")
            }
        }
    }

    @Test func filters() throws {
        let query = try ChatsQuery([
            ("personal", "true"), ("last_message_at_after", "1970-01-01T00:00:01.000Z"), ("last_message_at_before", "1970-01-01T00:00:03.000Z"),
        ])
        let seen = walk(query, Self.entries(30))
        #expect(!seen.isEmpty)
        for id in seen {
            let entry = Self.entries(30)[Int(id) - 1]
            #expect(entry.personal && !entry.archived && (1000...3000).contains(entry.lastMessageAt))
        }
        #expect(try ChatsQuery([("archived", "true")]).keeps(ChatsQuery.Entry(id: 1, lastMessageAt: 0, personal: true, archived: true)))
        #expect(try !ChatsQuery([]).keeps(ChatsQuery.Entry(id: 1, lastMessageAt: 0, personal: true, archived: true)))
        #expect(try ChatsQuery([("sort[last_message_at]", "asc")]).sort == .lastMessageAt)
        #expect(try ChatsQuery([("limit", "50"), ("unknown", "x")]).limit == 50)
    }

    @Test func cursorIsSignedAndTiedToItsQuery() throws {
        let cursor = ChatsCursor(sortValue: -42, id: 7, query: ChatsQuery().fingerprint)
        let text = cursor.encoded(key: Self.key)
        #expect(ChatsCursor(text, key: Self.key) == cursor)
        #expect(ChatsCursor(text, key: SymmetricKey(size: .bits256)) == nil, "another server's key")
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] != UInt8(ascii: ".") {
            var forged = bytes
            forged[index] = forged[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(ChatsCursor(String(decoding: forged, as: UTF8.self), key: Self.key) == nil, "byte \(index)")
        }
        bytes.removeLast()
        #expect(ChatsCursor(String(decoding: bytes, as: UTF8.self), key: Self.key) == nil)
        for junk in ["", ".", "abc", "a.b.c", String(repeating: "A", count: 600)] {
            #expect(ChatsCursor(junk, key: Self.key) == nil, "\(junk)")
        }
        var sorted = ChatsQuery()
        sorted.direction = .asc
        #expect(sorted.fingerprint != ChatsQuery().fingerprint)
        var limited = ChatsQuery()
        limited.limit = 3
        #expect(limited.fingerprint == ChatsQuery().fingerprint, "the page size may change between pages")
    }
}
