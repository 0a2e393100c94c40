public import ParleyModel
import Synchronization

/// The `Idempotency-Key` of the request a task is serving, waiting to ride in the same log
/// record as that request's first effect (issue 15).
///
/// The HTTP layer binds one to ``current`` around a handler; the first ``EventStore/append(_:)``
/// in that task (or its child tasks) takes it and writes its event as a claimed effect
/// (record type 39), so the effect and the key are durable together or not at all. Once the
/// handler has returned the HTTP layer closes it: nothing appended later can take it.
public final class IdempotencyClaim: Sendable {
    @TaskLocal public static var current: IdempotencyClaim?

    private enum Phase {
        case open(IdempotentReply)
        case taken
        case closed
    }

    private let phase: Mutex<Phase>

    /// `pending` is the key as ``IdempotentReply/pending(scope:requestHash:at:)`` makes it.
    public init(_ pending: IdempotentReply) {
        precondition(pending.isPending, "a claim is a pending reply")
        phase = Mutex(.open(pending))
    }

    /// The claim, the first time it is asked for while open; `nil` afterwards.
    func take() -> IdempotentReply? {
        phase.withLock { phase in
            guard case .open(let claim) = phase else { return nil }
            phase = .taken
            return claim
        }
    }

    /// Closes the claim; returns whether an effect took it (and so is logged with the key).
    @discardableResult
    public func close() -> Bool {
        phase.withLock { phase in
            if case .taken = phase { return true }
            phase = .closed
            return false
        }
    }
}
