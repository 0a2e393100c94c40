/// Refresh-token hashes in the order they expire, so that expired tokens leave the state as
/// new ones arrive (issue 15: tokens are not kept forever). Derived data: rebuilt from the
/// tokens when a snapshot is loaded, never written.
///
/// Tokens are issued with one lifetime, so they nearly always arrive in expiry order: an
/// insert is an append, and pruning pops from the front — amortised O(1) per token.
struct ExpiryQueue: Sendable {
    private var entries: [(expiresAt: Timestamp, hash: String)] = []
    private var head = 0

    init() {}

    init(_ tokens: some Sequence<RefreshToken>) {
        entries = tokens.map { ($0.expiresAt, $0.tokenHash) }.sorted { ($0.expiresAt, $0.hash) < ($1.expiresAt, $1.hash) }
    }

    var count: Int { entries.count - head }

    mutating func insert(_ hash: String, expiresAt: Timestamp) {
        if let last = entries.last, last.expiresAt > expiresAt {
            // Out of order (another lifetime): keep the queue sorted.
            let index = entries[head...].firstIndex { $0.expiresAt > expiresAt } ?? entries.endIndex
            entries.insert((expiresAt, hash), at: index)
        } else {
            entries.append((expiresAt, hash))
        }
    }

    /// Removes and returns the hashes that expired before `now`.
    mutating func popExpired(before now: Timestamp) -> [String] {
        var expired: [String] = []
        while head < entries.count, entries[head].expiresAt < now {
            expired.append(entries[head].hash)
            head += 1
        }
        if head > 1024 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return expired
    }
}
