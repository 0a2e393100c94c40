import Crypto
public import ParleyModel
import Synchronization

/// The `Idempotency-Key` of the request a task is serving, waiting to ride in the same log
/// record as that request's first effect (issue 15).
///
/// The HTTP layer binds one to ``current`` around a handler; the first ``EventStore/append(_:)``
/// in that task (or its child tasks) takes it and writes its event as a claimed effect
/// (record type 39), so the effect and the key are durable together or not at all. Once the
/// handler has returned the HTTP layer closes it: nothing appended later can take it.
///
/// On a cluster node the record also claims the key in Redis for ``clusterLifetime``
/// (docs/SCALING.md): when another node's record holds it, nothing is appended, the effect's
/// writer fails with ``ClusterWriteError/idempotencyKeyTaken(lsn:)`` once this node applied the
/// holder, and the claim says so (``isHeldElsewhere``).
public final class IdempotencyClaim: Sendable {
    @TaskLocal public static var current: IdempotencyClaim?

    private enum Phase {
        case open(IdempotentReply)
        case taken
        /// Taken, but another node's record holds the key: nothing was appended.
        case heldElsewhere
        case closed
    }

    /// How long a cluster node's claim on a key lasts: an hour less than a kept reply, so a node
    /// asked again after the claim lapsed still finds the reply (every node applied it long ago)
    /// and replays it.
    static let clusterLifetime: Duration = .milliseconds(IdempotencyLedger.lifetimeMilliseconds) - .seconds(3_600)

    /// The unique name a cluster node's record claims for a key's scope: its SHA-256, so a key of
    /// any length makes a short Redis key.
    static func clusterName(scope: String) -> String {
        "idem:" + Hex.encode(SHA256.hash(data: Array(scope.utf8)))
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

    /// Another node's record holds the key: this node's effect was not appended.
    func heldElsewhere() {
        phase.withLock { $0 = .heldElsewhere }
    }

    /// Whether the effect that took the claim found the key held by another node's record (so
    /// nothing this request did was logged, and the answer is that request's).
    public var isHeldElsewhere: Bool {
        phase.withLock { if case .heldElsewhere = $0 { true } else { false } }
    }

    /// Closes the claim; returns whether an effect took it (and so is logged with the key).
    @discardableResult
    public func close() -> Bool {
        phase.withLock { phase in
            switch phase {
            case .taken: return true
            case .heldElsewhere: return false
            case .open, .closed:
                phase = .closed
                return false
            }
        }
    }
}
