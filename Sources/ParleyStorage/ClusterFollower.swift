public import Logging
import ParleyHistory
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
/// A node's ``EventStore`` runs one over its own applier (started from its snapshot's LSN); the
/// public initialiser starts one from the empty state (tests, tools).
///
/// ```swift
/// let follower = ClusterFollower(tail: RedisLogTail(client: client, after: 0))
/// while true { try await follower.step() }
/// ```
public final class ClusterFollower: Sendable {
    public let tail: RedisLogTail
    private let applier: CommitApplier
    /// The node's history files: a record naming a file this node lacks has it written first
    /// (``ClusterHistoryMaterializer``); `nil` for a follower without one (tests, tools).
    private let history: HistoryStore?
    private let retired: RetiredHistoryFiles?

    public init(tail: RedisLogTail, logger: Logger = Logger(label: "parley.cluster")) {
        precondition(tail.applied == 0, "a follower starts from the empty state, so from LSN 0")
        self.tail = tail
        applier = CommitApplier(logger: logger)
        history = nil
        retired = nil
    }

    /// A node's follower, applying into the store's own applier (whose state is at the tail's LSN).
    init(tail: RedisLogTail, applier: CommitApplier, history: HistoryStore?, retired: RetiredHistoryFiles?) {
        self.tail = tail
        self.applier = applier
        self.history = history
        self.retired = retired
    }

    /// Registers an observer of committed events (see ``CommitObserver``).
    public func addObserver(_ observer: any CommitObserver) { applier.addObserver(observer) }

    /// Reads the live state under its lock.
    public func read<T>(_ body: (borrowing ParleyState) throws -> T) rethrows -> T {
        try applier.state.withLock { state in try body(state) }
    }

    /// What one ``step()`` applied.
    public struct Step: Sendable {
        /// Entries read (0 when the block time passed with nothing new).
        public var count: Int
        /// The LSN of the last entry read.
        public var applied: UInt64
        /// Entries the state refused, with why: skipped, as every node skips them (the state is
        /// the same on every node at each LSN, and applying is deterministic); their writer is
        /// told instead of acknowledged, as on one node.
        public var refused: [UInt64: String]
    }

    /// Waits for the next entries (up to the tail's block time) and applies them. An entry that
    /// does not decode stops the follower (``ClusterFollowerError``): this node cannot know what
    /// it holds, so its state could part from the others'.
    @discardableResult
    public func step() async throws -> Step {
        let entries = try await tail.read()
        guard let last = entries.last else { return Step(count: 0, applied: tail.applied, refused: [:]) }
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
        guard let history,
            decoded.contains(where: {
                if case .historyFileReplaced = $0.1.event { return true }
                return ClusterHistoryMaterializer.needsFile($0.1.event, history: history)
            })
        else {
            return Step(count: entries.count, applied: last.lsn, refused: applier.apply(decoded: decoded))
        }
        return Step(count: entries.count, applied: last.lsn, refused: try await apply(decoded, writingHistoryInto: history))
    }

    /// Applies `decoded`, writing each history file a record names, that this node lacks, from the
    /// state just before that record; then retires the files replaced (unlinked once a snapshot
    /// of this node's covers the record: ``RetiredHistoryFiles``).
    private func apply(_ decoded: [(UInt64, DecodedRecord)], writingHistoryInto history: HistoryStore) async throws -> [UInt64: String] {
        var refused: [UInt64: String] = [:]
        var pending: [(UInt64, DecodedRecord)] = []
        var written: [UInt64: HistoryFile] = [:]
        var replaced: [UInt64] = []
        for (lsn, record) in decoded {
            if case .historyFileReplaced(let old, _, _) = record.event { replaced.append(old) }
            if ClusterHistoryMaterializer.needsFile(record.event, history: history) {
                refused.merge(applier.apply(decoded: pending)) { first, _ in first }
                pending.removeAll()
                let state: ParleyState = applier.state.withLock { state in state }
                let event = record.event
                do {
                    written[lsn] = try await OffloadedWork.run(name: "cluster-history", priority: .idle) {
                        try ClusterHistoryMaterializer.materialize(event, from: state, into: history)
                    }
                } catch {
                    throw ClusterFollowerError(lsn: lsn, reason: "its history file cannot be written here: \(error)")
                }
            }
            pending.append((lsn, record))
        }
        refused.merge(applier.apply(decoded: pending)) { first, _ in first }
        // A record the state refused names no file: its file goes.
        for (lsn, file) in written where refused[lsn] != nil { history.abandon(file) }
        let live = applier.state.withLock { $0.history.liveFiles }
        let files = replaced.filter { !live.contains($0) }.compactMap { history.retire($0) }
        if !files.isEmpty, let last = decoded.last?.0 { retired?.add(files, at: last) }
        return refused
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
    /// opening's conversation id, a close, the unique names a visitor or an agent claims. Fields
    /// the script fills are sent as zeros.
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
        case .visitorRegistered(let visitor):
            self.init(type: type, payload: bytes)
            claims = [Self.visitorClaim(site: visitor.siteID, externalID: visitor.externalID)]
        case .agentCreated(let agent), .inviteAccepted(_, let agent):
            self.init(type: type, payload: bytes)
            claims = Self.loginClaims(agent)
        default:
            self.init(type: type, payload: bytes)
        }
        if let claim {
            expiringClaims = [IdempotencyClaim.clusterName(scope: claim.scope)]
            expiringClaimLifetime = IdempotencyClaim.clusterLifetime
        }
    }

    /// The unique name of a visitor's external id on its site.
    static func visitorClaim(site: SiteID, externalID: String) -> String { "visitor:\(site.rawValue):\(externalID)" }

    /// The unique names of an agent's logins (username and e-mail, as login compares them) on its site.
    static func loginClaims(_ agent: Agent) -> [String] {
        Array(Set([agent.username.lowercased(), agent.email.lowercased()])).sorted().map { "login:\(agent.siteID.rawValue):\($0)" }
    }
}
