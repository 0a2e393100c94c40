import ParleyModel

/// The chats list's parameters (seed 002, CONTRACT §7), parsed and checked, and the paging
/// decision they make over the chats the caller may list. No I/O: tested on its own.
struct ChatsQuery: Hashable, Sendable {
    enum SortField: String, Sendable { case id, lastMessageAt = "last_message_at" }
    enum Direction: String, Sendable { case asc, desc }
    /// `is_member`: the chats the caller takes part in; `public`: the site's public group chats.
    enum Availability: String, Sendable { case isMember = "is_member", `public` }

    var sort = SortField.id
    var direction = Direction.desc
    var availability = Availability.isMember
    var personal: Bool?
    var lastMessageAtAfter: Timestamp?
    var lastMessageAtBefore: Timestamp?
    /// An extension: `archived=true` lists the archive instead (archived chats leave the
    /// default list, CONTRACT §7).
    var archived = false
    var limit = 50
    var cursor: String?

    static let maxLimit = 50

    init() {}

    /// Parses `parameters` (decoded names and values, in order); a bad value is a 400 naming it.
    init(_ parameters: [(name: String, value: String)]) throws {
        var sortSeen = false
        for (name, value) in parameters {
            switch name {
            case "sort[id]", "sort[last_message_at]":
                guard !sortSeen else { throw APIError.invalid("sort", value: value, "takes one field (id or last_message_at)") }
                sortSeen = true
                sort = name == "sort[id]" ? .id : .lastMessageAt
                guard let direction = Direction(rawValue: value) else { throw APIError.invalid(name, value: value, "must be asc or desc") }
                self.direction = direction
            case let other where other.hasPrefix("sort[") || other == "sort":
                throw APIError.invalid(other, value: value, "is not a sort field (id or last_message_at)")
            case "availability":
                guard let availability = Availability(rawValue: value) else {
                    throw APIError.invalid(name, value: value, "must be is_member or public")
                }
                self.availability = availability
            case "personal": personal = try Self.flag(name, value)
            case "archived": archived = try Self.flag(name, value)
            case "last_message_at_after": lastMessageAtAfter = try Self.time(name, value)
            case "last_message_at_before": lastMessageAtBefore = try Self.time(name, value)
            case "limit":
                guard let limit = Int(value), (1...Self.maxLimit).contains(limit) else {
                    throw APIError.invalid(name, value: value, "must be an integer from 1 to \(Self.maxLimit)")
                }
                self.limit = limit
            case "cursor": cursor = value
            default: break  // unknown parameters are ignored (CONTRACT §4)
            }
        }
    }

    private static func flag(_ name: String, _ value: String) throws -> Bool {
        switch value {
        case "true": return true
        case "false": return false
        default: throw APIError.invalid(name, value: value, "must be true or false")
        }
    }

    private static func time(_ name: String, _ value: String) throws -> Timestamp {
        guard let time = Timestamp(rfc3339: value) else { throw APIError.invalid(name, value: value, "must be an RFC 3339 time") }
        return time
    }

    /// Everything but `limit` and `cursor`: a cursor is only good for the query it came from.
    var fingerprint: String {
        [
            sort.rawValue, direction.rawValue, availability.rawValue, personal.map(String.init) ?? "-",
            lastMessageAtAfter.map { String($0.milliseconds) } ?? "-", lastMessageAtBefore.map { String($0.milliseconds) } ?? "-",
            String(archived),
        ].joined(separator: ",")
    }

    /// A listable chat as the paging sees it.
    struct Entry: Hashable, Sendable {
        var id: UInt64
        /// The last message's time (the chat's creation when it has none), in ms.
        var lastMessageAt: Int64
        var personal: Bool
        var archived: Bool
    }

    /// Whether the filters keep `entry` (availability is the caller's to apply).
    func keeps(_ entry: Entry) -> Bool {
        if let personal, entry.personal != personal { return false }
        if let after = lastMessageAtAfter, entry.lastMessageAt < after.milliseconds { return false }
        if let before = lastMessageAtBefore, entry.lastMessageAt > before.milliseconds { return false }
        return entry.archived == archived
    }

    func sortValue(_ entry: Entry) -> Int64 {
        switch sort {
        case .id: Int64(clamping: entry.id)
        case .lastMessageAt: entry.lastMessageAt
        }
    }

    /// One page of `entries` (in any order) after `cursor`: the kept entries in the list's
    /// order strictly past the cursor's position, at most `limit`, and the cursor of the next
    /// page when more follow.
    func page(_ entries: [Entry], after cursor: ChatsCursor?) -> (items: [Entry], next: ChatsCursor?) {
        func key(_ entry: Entry) -> (Int64, UInt64) { (sortValue(entry), entry.id) }
        let ascending = direction == .asc
        var kept = entries.filter { keeps($0) }
        if let cursor {
            let mark = (cursor.sortValue, cursor.id)
            kept.removeAll { ascending ? key($0) <= mark : key($0) >= mark }
        }
        kept.sort { ascending ? key($0) < key($1) : key($0) > key($1) }
        let items = Array(kept.prefix(limit))
        guard kept.count > limit, let last = items.last else { return (items, nil) }
        return (items, ChatsCursor(sortValue: sortValue(last), id: last.id, query: fingerprint))
    }
}
