public import ParleyModel

/// The decisions of the `Idempotency-Key` layer (CONTRACT §4), as a plain state machine: the
/// same key with the same body gets the kept answer again and creates nothing; the same key
/// with another body is a conflict; so is a request while one with that key still runs; a key
/// whose request was applied but whose answer was never kept (a crash between the two) is not
/// run again. The kept answers and keys live in the durable state
/// (``ParleyModel/IdempotencyLedger``); the gate only tracks the requests in flight.
public struct IdempotencyGate: Sendable {
    /// What to do with a request carrying a key.
    public enum Decision: Sendable, Equatable {
        /// Run it, then call ``end(scope:)``.
        case proceed
        /// Answer with the kept reply.
        case replay
        /// Refuse with 409 and this reason.
        case conflict(String)
        /// The request ran and its effect is logged, but its answer is not: refuse with 409
        /// rather than run it twice.
        case appliedWithoutAnswer
    }

    private var running: Set<String> = []

    public init() {}

    /// Marks a request with `scope` as running; `false` while another one with it still runs.
    public mutating func begin(scope: String) -> Bool {
        running.insert(scope).inserted
    }

    /// The request that `begin` let through has finished (its reply kept or not).
    public mutating func end(scope: String) {
        running.remove(scope)
    }

    public var inFlight: Int { running.count }

    /// What a request whose body hashes to `requestHash` gets, given what the ledger keeps for
    /// its scope (asked while the request holds its scope, so no answer is kept meanwhile).
    public static func decision(requestHash: String, kept: IdempotentReply?) -> Decision {
        guard let kept else { return .proceed }
        guard kept.requestHash == requestHash else {
            return .conflict("this Idempotency-Key was used with a different request body")
        }
        return kept.isPending ? .appliedWithoutAnswer : .replay
    }
}
