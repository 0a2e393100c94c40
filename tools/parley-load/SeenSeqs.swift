/// The `seq` values one subscriber has received, for counting duplicates and losses. A
/// conversation's values are dense from 1, so each is one bit of a bitmap that grows to the
/// highest value seen: recording a delivery is an index and a mask. (A `Set<UInt64>` per
/// subscriber hashed every delivery and grew to millions of entries in a room of 1,000: 8 % of
/// the harness's own CPU, and the one-threaded harness is what limits the room benchmark;
/// docs/PERFORMANCE.md.) Values past ``bitmapLimit`` (never sent by the servers measured, but
/// the harness must not trust them) go to a set.
struct SeenSeqs: Sendable {
    /// The largest value kept as a bit: 2^24, 2 MiB of bitmap at most per subscriber.
    static let bitmapLimit: UInt64 = 1 << 24

    private var words: [UInt64] = []
    private var large: Set<UInt64> = []

    /// Records `seq`; false when it was seen before (a duplicate).
    mutating func insert(_ seq: UInt64) -> Bool {
        guard seq < Self.bitmapLimit else { return large.insert(seq).inserted }
        let word = Int(seq >> 6)
        let bit: UInt64 = 1 << (seq & 63)
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word + 1 - words.count)) }
        guard words[word] & bit == 0 else { return false }
        words[word] |= bit
        return true
    }

    func contains(_ seq: UInt64) -> Bool {
        guard seq < Self.bitmapLimit else { return large.contains(seq) }
        let word = Int(seq >> 6)
        return word < words.count && words[word] & (1 << (seq & 63)) != 0
    }

    /// How many of `expected` were never seen.
    func missing(of expected: Set<UInt64>) -> Int {
        expected.reduce(0) { $0 + (contains($1) ? 0 : 1) }
    }
}
