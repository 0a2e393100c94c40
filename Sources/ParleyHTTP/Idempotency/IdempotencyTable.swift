/// The decisions of the `Idempotency-Key` layer (CONTRACT §4), as a plain state machine: the
/// same key with the same body within 24 h gets the first response again and creates nothing;
/// the same key with another body is a conflict; a request still running with that key is too.
public struct IdempotencyTable<Response: Sendable>: Sendable {
    /// What to do with a request carrying a key.
    public enum Decision: Sendable {
        /// Run it (and call `finish` or `abandon` afterwards).
        case proceed
        /// Answer with the stored response.
        case replay(Response)
        /// Refuse with 409 and this reason.
        case conflict(String)
    }

    enum Entry {
        case running(bodyHash: String)
        case done(bodyHash: String, response: Response, expires: ContinuousClock.Instant)
    }

    public let lifetime: Duration
    public let capacity: Int
    private var entries: [String: Entry] = [:]
    /// Keys in the order they finished, for expiry and eviction.
    private var order: [(key: String, expires: ContinuousClock.Instant)] = []
    private var orderStart = 0

    public init(lifetime: Duration = .seconds(24 * 3600), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    public mutating func begin(key: String, bodyHash: String, now: ContinuousClock.Instant) -> Decision {
        expire(now: now)
        switch entries[key] {
        case nil:
            entries[key] = .running(bodyHash: bodyHash)
            return .proceed
        case .running:
            return .conflict("a request with this Idempotency-Key is still being processed")
        case .done(let hash, let response, _):
            return hash == bodyHash ? .replay(response) : .conflict("this Idempotency-Key was used with a different request body")
        }
    }

    /// Stores the response of a request that ran.
    public mutating func finish(key: String, response: Response, now: ContinuousClock.Instant) {
        guard case .running(let hash) = entries[key] else { return }
        let expires = now + lifetime
        entries[key] = .done(bodyHash: hash, response: response, expires: expires)
        order.append((key, expires))
        while entries.count > capacity, orderStart < order.count {
            entries[order[orderStart].key] = nil
            orderStart += 1
        }
    }

    /// Forgets a request that failed, so that a retry with the same key runs again.
    public mutating func abandon(key: String) {
        if case .running = entries[key] { entries[key] = nil }
    }

    private mutating func expire(now: ContinuousClock.Instant) {
        while orderStart < order.count, order[orderStart].expires <= now {
            let key = order[orderStart].key
            if case .done(_, _, let expires) = entries[key], expires <= now { entries[key] = nil }
            orderStart += 1
        }
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    public var count: Int { entries.count }
}
