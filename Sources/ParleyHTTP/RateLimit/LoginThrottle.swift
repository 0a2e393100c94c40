/// Failed logins per account and per client address inside a window; past the threshold the
/// account (or address) is refused until its oldest failure leaves the window. A success
/// clears the account's failures. A plain state machine.
public struct LoginThrottle: Sendable {
    public let perAccount: Int
    public let perAddress: Int
    public let window: Duration
    private var failures: [String: [ContinuousClock.Instant]] = [:]

    /// The thresholds of ``RateLimits``.
    public init(limits: RateLimits) {
        self.init(perAccount: limits.loginFailuresPerAccount, perAddress: limits.loginFailuresPerAddress, window: limits.loginWindow)
    }

    public init(perAccount: Int, perAddress: Int, window: Duration) {
        self.perAccount = perAccount
        self.perAddress = perAddress
        self.window = window
    }

    /// `nil` when a login attempt may proceed, else how long to wait.
    public mutating func check(account: String, address: String, now: ContinuousClock.Instant) -> Duration? {
        let waits = [wait(key: "account:" + account, limit: perAccount, now: now), wait(key: "address:" + address, limit: perAddress, now: now)]
        return waits.compactMap { $0 }.max()
    }

    public mutating func failed(account: String, address: String, now: ContinuousClock.Instant) {
        failures["account:" + account, default: []].append(now)
        failures["address:" + address, default: []].append(now)
    }

    public mutating func succeeded(account: String) {
        failures["account:" + account] = nil
    }

    private mutating func wait(key: String, limit: Int, now: ContinuousClock.Instant) -> Duration? {
        guard var times = failures[key] else { return nil }
        times.removeAll { now - $0 >= window }
        failures[key] = times.isEmpty ? nil : times
        guard times.count >= limit, let oldest = times.first else { return nil }
        return oldest + window - now
    }
}
