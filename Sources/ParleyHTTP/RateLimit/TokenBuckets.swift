/// Token buckets per key: `limit` requests per minute, refilled continuously, bursts up to the
/// limit. A plain state machine; the middleware holds it behind a lock.
public struct TokenBuckets: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private var buckets: [String: Bucket] = [:]
    private var lastSweep: ContinuousClock.Instant?

    public init() {}

    /// Takes one token; returns `nil` when allowed, else how long until one is available.
    public mutating func take(_ key: String, perMinute limit: Int, now: ContinuousClock.Instant) -> Duration? {
        sweep(now: now)
        let capacity = Double(max(limit, 1))
        let rate = capacity / 60  // tokens per second
        var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(capacity, bucket.tokens + seconds * rate)
        bucket.updated = now
        defer { buckets[key] = bucket }
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            return nil
        }
        return .milliseconds(Int64(((1 - bucket.tokens) / rate * 1000).rounded(.up)))
    }

    /// Drops full, idle buckets once a minute so that memory follows the active principals.
    private mutating func sweep(now: ContinuousClock.Instant) {
        guard let last = lastSweep else {
            lastSweep = now
            return
        }
        guard now - last >= .seconds(60) else { return }
        lastSweep = now
        buckets = buckets.filter { now - $0.value.updated < .seconds(60) }
    }

    public var count: Int { buckets.count }
}
