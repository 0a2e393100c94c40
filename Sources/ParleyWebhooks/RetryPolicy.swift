public import ParleyModel

/// When to try a failed delivery again (plain arithmetic, tested on its own): after about
/// `first` (1 s), doubling each time, capped at `cap` (10 min), with ±`jitter` (20 %) so that
/// many deliveries that failed together do not return together; and not at all once the event
/// is `giveUpAfter` (24 h) old — the delivery is then failed.
public struct RetryPolicy: Sendable, Hashable {
    public var first: Duration
    public var cap: Duration
    public var giveUpAfter: Duration
    public var jitter: Double

    public init(first: Duration = .seconds(1), cap: Duration = .seconds(600), giveUpAfter: Duration = .seconds(86_400), jitter: Double = 0.2) {
        self.first = first
        self.cap = cap
        self.giveUpAfter = giveUpAfter
        self.jitter = jitter
    }

    /// The time of the next attempt after `attempts` failed ones (≥ 1) of an event from
    /// `occurredAt`, failing at `now`; `nil` to give up. `unit` is a random number in [0, 1).
    public func nextAttempt(after attempts: UInt32, occurredAt: Timestamp, now: Timestamp, unit: Double) -> Timestamp? {
        guard now.milliseconds - occurredAt.milliseconds < Self.milliseconds(giveUpAfter) else { return nil }
        let exponent = Double(min(max(attempts, 1) - 1, 40))
        let base = min(Double(Self.milliseconds(first)) * pow2(exponent), Double(Self.milliseconds(cap)))
        let factor = 1 + jitter * (2 * min(max(unit, 0), 1) - 1)
        let delay = Int64((base * factor).rounded())
        return Timestamp(milliseconds: now.milliseconds + max(delay, 1))
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}
