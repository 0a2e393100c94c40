public import Logging
public import ParleyModel
public import ParleyRedis
import NIOCore
import Synchronization

/// The apply half of a cluster node (docs/SCALING.md, build order step 3): follows the cluster
/// log in Redis and folds each entry, with the `append` script's fill applied, into a live
/// ``ParleyState`` through the same ``CommitApplier`` that applies local log batches, so its
/// observers (the hub) see committed events in LSN order exactly as on one node. Every node that
/// follows the same stream from the same start holds the same state at each LSN.
///
/// Not yet wired into ``EventStore`` (`parley serve --redis` is not built): today it starts
/// from an empty state; the node start from a snapshot comes with the seam.
///
/// ```swift
/// let follower = ClusterFollower(tail: RedisLogTail(client: client, after: 0))
/// while true { try await follower.step() }
/// ```
public final class ClusterFollower: Sendable {
    public let tail: RedisLogTail
    private let applier: CommitApplier

    public init(tail: RedisLogTail, logger: Logger = Logger(label: "parley.cluster")) {
        precondition(tail.applied == 0, "a follower starts from the empty state, so from LSN 0")
        self.tail = tail
        applier = CommitApplier(logger: logger)
    }

    /// Registers an observer of committed events (see ``CommitObserver``).
    public func addObserver(_ observer: any CommitObserver) { applier.addObserver(observer) }

    /// Reads the live state under its lock.
    public func read<T>(_ body: (borrowing ParleyState) throws -> T) rethrows -> T {
        try applier.state.withLock { state in try body(state) }
    }

    /// Waits for the next entries (up to the tail's block time) and applies them; returns how many
    /// it applied. An entry that does not decode, or that the state refuses, stops the follower
    /// (``ClusterFollowerError``): every node would refuse it alike, and skipping it would let
    /// this node's state part from the others'.
    @discardableResult
    public func step() async throws -> Int {
        let entries = try await tail.read()
        guard !entries.isEmpty else { return 0 }
        var decoded: [(UInt64, DecodedRecord)] = []
        decoded.reserveCapacity(entries.count)
        for entry in entries {
            var record: DecodedRecord
            do {
                record = try EventCodec.decodeRecord(type: entry.type, payload: Array(entry.payload.readableBytesView))
            } catch {
                throw ClusterFollowerError(lsn: entry.lsn, reason: "it does not decode: \(error)")
            }
            record.event = record.event.filling(seq: entry.fill.seq, id: entry.fill.id)
            decoded.append((entry.lsn, record))
        }
        if let (lsn, reason) = applier.apply(decoded: decoded).min(by: { $0.key < $1.key }) {
            throw ClusterFollowerError(lsn: lsn, reason: reason)
        }
        return entries.count
    }
}

/// A cluster log entry this node could not apply.
public struct ClusterFollowerError: Error, Sendable, CustomStringConvertible {
    public var lsn: UInt64
    public var reason: String

    public var description: String { "the cluster log's entry at LSN \(lsn) cannot be applied: \(reason)" }
}

extension RedisLogRecord {
    /// The record a cluster node sends for `event` (encoded as the local log would hold it), with
    /// what the `append` script must decide for it: a message's `seq`, id and dedupe, an
    /// opening's conversation id, a close. Fields the script fills are sent as zeros.
    public init(event: Event, claim: IdempotentReply? = nil) {
        let (type, payload) = claim.map { EventCodec.encode(event, claim: $0) } ?? EventCodec.encode(event)
        let bytes = ByteBuffer(bytes: payload)
        switch event {
        case .messageAppended(let message):
            self.init(type: type, payload: bytes, conversation: message.conversationID.rawValue, kind: .message(clientMessageID: message.clientMessageID))
        case .conversationOpened:
            self.init(type: type, payload: bytes, kind: .opensConversation)
        case .conversationClosed(let conversation, _):
            self.init(type: type, payload: bytes, conversation: conversation.rawValue, kind: .closesConversation)
        default:
            self.init(type: type, payload: bytes)
        }
    }
}
