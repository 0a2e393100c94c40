/// The decisions of the `Idempotency-Key` layer (CONTRACT §4), as a plain state machine: the
/// same key with the same body gets the kept answer again and creates nothing; the same key
/// with another body is a conflict; so is a request while one with that key still runs.
/// The kept answers live in the durable state (``ParleyModel/IdempotencyLedger``); the gate
/// only tracks the requests in flight.
public struct IdempotencyGate: Sendable {
    /// What to do with a request carrying a key.
    public enum Decision: Sendable, Equatable {
        /// Run it, then call ``end(scope:)``.
        case proceed
        /// Answer with the kept reply.
        case replay
        /// Refuse with 409 and this reason.
        case conflict(String)
    }

    private var running: Set<String> = []

    public init() {}

    /// `keptRequestHash` is the request hash of the reply kept for `scope`, if any.
    public mutating func begin(scope: String, requestHash: String, keptRequestHash: String?) -> Decision {
        guard !running.contains(scope) else {
            return .conflict("a request with this Idempotency-Key is still being processed")
        }
        if let keptRequestHash {
            return keptRequestHash == requestHash
                ? .replay : .conflict("this Idempotency-Key was used with a different request body")
        }
        running.insert(scope)
        return .proceed
    }

    /// The request that `begin` let through has finished (its reply kept or not).
    public mutating func end(scope: String) {
        running.remove(scope)
    }

    public var inFlight: Int { running.count }
}
