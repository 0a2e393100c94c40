/// The client message ids of a conversation's newest messages, for deduplication: a bounded
/// window (oldest out first) instead of every id the conversation ever saw (issue 15).
///
/// A retry is recognised while its first send is among the newest `capacity` messages of the
/// conversation that carried a client id; an older one is stored as a new message. Clients
/// retry within seconds or after a reconnect, long before 1,024 newer messages arrive.
struct RecentClientIDs {
    struct Entry {
        var seq: UInt64
        var lsn: UInt64
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    subscript(clientID: String) -> Entry? { entries[clientID] }

    var count: Int { entries.count }

    mutating func insert(_ clientID: String, _ entry: Entry) {
        guard entries.updateValue(entry, forKey: clientID) == nil else { return }
        order.append(clientID)
        if entries.count > capacity {
            entries[order[head]] = nil
            head += 1
            // Drop the consumed prefix now and then: amortised O(1), at most 2 × capacity kept.
            if head >= capacity {
                order.removeFirst(head)
                head = 0
            }
        }
    }
}
