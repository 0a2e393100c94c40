/// Where a node is in the cluster log, and the check that it applies every entry exactly once:
/// entries must continue densely from the last applied LSN. Entries at or below it (a read that
/// overlapped the previous one) are dropped; a jump past the next LSN is a gap (the stream was
/// trimmed beyond this node, or an entry is missing) that the node must not paper over.
///
/// ```swift
/// var cursor = RedisLogCursor(applied: 41)
/// cursor.take(entries)   // .apply([42, 43, …]) or .gap(expected: 42, found: 50)
/// ```
public struct RedisLogCursor: Sendable, Equatable {
    public private(set) var applied: UInt64

    public enum Step: Sendable, Equatable {
        /// Apply these, in order (possibly none).
        case apply([RedisLogEntry])
        /// The entry after `applied` is not there: `found` came instead.
        case gap(expected: UInt64, found: UInt64)
    }

    public init(applied: UInt64) { self.applied = applied }

    public mutating func take(_ entries: [RedisLogEntry]) -> Step {
        var fresh: [RedisLogEntry] = []
        var next = applied + 1
        for entry in entries where entry.lsn >= next {
            guard entry.lsn == next else {
                if !fresh.isEmpty { applied = next - 1 }
                return fresh.isEmpty ? .gap(expected: next, found: entry.lsn) : .apply(fresh)
            }
            fresh.append(entry)
            next += 1
        }
        applied = next - 1
        return .apply(fresh)
    }
}
