import Metrics
import ParleyEngine
import ParleyModel
import ParleyStorage

/// Password login for every dialect: the throttle check, the credential check (one answer for
/// a wrong user and a wrong password), and the failure bookkeeping.
struct LoginGate: Sendable {
    let broker: Broker
    let limits: RateLimits
    let throttle: Shared<LoginThrottle>

    /// The agent, or 401 `INVALID_CREDENTIALS` / `TOTP_REQUIRED` / 429 `RATE_LIMITED`. With
    /// two-factor login on, `totpCode` must be a valid code (or backup code); a wrong one
    /// counts as a failed login, so codes cannot be guessed faster than passwords.
    func authenticate(login: String, password: String, site: SiteID?, address: String, totpCode: String? = nil) async throws
        -> Agent
    {
        guard login.utf8.count <= 256, password.utf8.count <= 1024 else {
            throw APIError.validation("login or password is too long")
        }
        let account = login.lowercased()
        if limits.enabled, let wait = throttle.withLock({ $0.check(account: account, address: address, now: .now) }) {
            Counter(label: "parley_rate_limited_total", dimensions: [("route_class", "login")]).increment()
            throw APIError.rateLimited(retryAfter: wait)
        }
        // bcrypt takes ~0.25 s at cost 12: on a thread of its own, not the cooperative pool.
        let accounts = broker.accounts
        let agent = try await OffloadedWork.run(name: "login") {
            accounts.authenticate(login: login, password: password, site: site)
        }
        guard let agent else {
            Counter(label: "parley_login_failures_total").increment()
            throttle.withLock { $0.failed(account: account, address: address, now: .now) }
            throw APIError.unauthorized("Invalid username or password", code: "INVALID_CREDENTIALS")
        }
        do {
            try await broker.twoFactor.check(agent.id, code: totpCode)
        } catch let error as EngineError where error.code == .totpRequired {
            if totpCode?.isEmpty == false {
                Counter(label: "parley_login_failures_total").increment()
                throttle.withLock { $0.failed(account: account, address: address, now: .now) }
            }
            throw APIError(error)
        }
        throttle.withLock { $0.succeeded(account: account) }
        return agent
    }
}
