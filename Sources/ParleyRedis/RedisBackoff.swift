/// The waits between reconnect attempts: `initial`, doubled per attempt up to `max`, each a
/// random 50–100 % of that (jitter: many nodes that lost Redis together do not come back in step).
///
/// ```swift
/// var backoff = RedisBackoff(initial: .milliseconds(50), max: .seconds(2))
/// backoff.next()   // 25–50 ms, then 50–100 ms, 100–200 ms … up to 1–2 s
/// ```
public struct RedisBackoff: Sendable {
    public let initial: Duration
    public let max: Duration
    /// How many waits were handed out.
    public private(set) var attempts = 0

    public init(initial: Duration, max: Duration) {
        self.initial = initial
        self.max = Swift.max(initial, max)
    }

    /// The next wait (random within its range unless a generator is given).
    public mutating func next<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        let doublings = min(attempts, 30)
        attempts += 1
        let ceiling = min(max, initial * (1 << doublings))
        return ceiling * Double.random(in: 0.5...1.0, using: &generator)
    }

    public mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    /// Back to the first wait (after a connection that worked).
    public mutating func reset() { attempts = 0 }
}
