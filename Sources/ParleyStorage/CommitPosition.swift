import ParleyRedis

/// Where a committed record landed: its LSN, and on a cluster node what the `append` script
/// decided for it (docs/SCALING.md). On one node the writer chose `seq` and ids itself and they
/// are 0 here.
public struct CommitPosition: Sendable, Hashable {
    public var lsn: UInt64
    /// A message's `seq`, filled by the cluster (0 on one node and for other records).
    public var seq: UInt64
    /// A message's or an opened conversation's id, filled by the cluster (0 otherwise).
    public var id: UInt64
    /// Nothing was appended: the message's client message id was used before, for the message
    /// `seq` logged at `lsn`.
    public var isRepeat: Bool
    /// Nothing was appended: another record (at `lsn`, applied by now) holds this unique name (a
    /// visitor's external id, an agent's login) that the record claimed.
    public var takenClaim: String?
    /// Nothing was appended: another record (at `lsn`) holds this expiring claim (a request's
    /// `Idempotency-Key`); the writer fails with ``ClusterWriteError/idempotencyKeyTaken(lsn:)``.
    public var heldClaim: String?

    public init(lsn: UInt64, seq: UInt64 = 0, id: UInt64 = 0, isRepeat: Bool = false, takenClaim: String? = nil, heldClaim: String? = nil) {
        self.lsn = lsn
        self.seq = seq
        self.id = id
        self.isRepeat = isRepeat
        self.takenClaim = takenClaim
        self.heldClaim = heldClaim
    }
}

/// Runs a Redis call of a cluster node's write path; a Redis failure (unreachable, timed out, an
/// error reply) becomes ``ClusterWriteError/unavailable(_:)``, which every dialect answers with
/// 503 `SERVICE_UNAVAILABLE` rather than as an unexpected error.
@discardableResult
func unavailableOnRedisFailure<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as RedisError {
        throw ClusterWriteError.unavailable("\(error)")
    }
}

/// Why a cluster node's write was not acknowledged.
public enum ClusterWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Redis could not be reached or the connection broke with the write in flight: it may or may
    /// not be in the log (a retry with the same client message id is answered once).
    case unavailable(String)
    /// The message's conversation is closed (decided by the `append` script).
    case conversationClosed
    /// The record is in the log but the state refused it, on every node alike.
    case refused(lsn: UInt64, reason: String)
    /// A unique name the record claimed is held by another record: nothing was appended.
    case claimTaken(String)
    /// The request's `Idempotency-Key` is held by another node's record (at `lsn`, applied by
    /// now): nothing was appended; the answer is that request's (``IdempotencyClaim``).
    case idempotencyKeyTaken(lsn: UInt64)

    public var description: String {
        switch self {
        case .unavailable(let why): "the cluster log cannot take writes now: \(why)"
        case .conversationClosed: "conversation is closed"
        case .refused(let lsn, let reason): "record \(lsn) was logged but not applied: \(reason)"
        case .claimTaken(let claim): "\(claim) is already taken"
        case .idempotencyKeyTaken(let lsn): "the Idempotency-Key is held by the request logged at \(lsn)"
        }
    }
}
