public import ParleyModel
import ParleyRedis

/// What a cluster's Redis must hold for its nodes to go on from a state (docs/SCALING.md,
/// "Reseeding an empty Redis"): everything the `append` script decides from, read back from
/// the state the script's decisions built. `parley cluster reseed` writes it into a Redis that
/// lost its data; this type only works it out, with no I/O.
///
/// ```swift
/// let seed = ClusterSeed(state: state, now: .now(), dedupeWindow: .seconds(86_400))
/// seed.seqs[12]        // the next message of conversation 12 gets seq seqs[12]! + 1
/// ```
public struct ClusterSeed: Sendable, Equatable {
    /// The LSN the state covers: the next record gets `lsn + 1`.
    public var lsn: UInt64
    /// Each conversation's last `seq` (`<prefix>:seq`).
    public var seqs: [UInt64: UInt64]
    /// The closed conversations (`<prefix>:closed`).
    public var closed: [UInt64]
    /// The highest id of each kind handed out (`<prefix>:ids:<kind>`; new ids go above).
    public var counters: [String: UInt64]
    /// Names only one record may hold (`<prefix>:unique`): visitors' external ids, agents' logins,
    /// and the e-mails a public sign-up must find unused (every login, a superset of the sign-ups'
    /// own claims that refuses exactly what a node's own check refuses).
    public var uniqueNames: [String]
    /// Client message ids still inside the dedupe window.
    public var clientMessageIDs: [ClientMessageID]
    /// `Idempotency-Key` claims still inside their lifetime: name and milliseconds left.
    public var idempotencyClaims: [ExpiringName]
    /// The content hashes of the files the state names (their bytes, `<prefix>:blob:<sha256>`).
    public var blobs: [String]

    public struct ClientMessageID: Sendable, Hashable {
        public var conversation: UInt64
        public var clientID: String
        public var seq: UInt64
        /// Seconds left in the dedupe window (at least 1).
        public var secondsLeft: Int64
    }

    public struct ExpiringName: Sendable, Hashable {
        public var name: String
        public var millisecondsLeft: Int64
    }

    /// The kinds whose ids nodes reserve in blocks (``ClusterIDBlocks``), with the state's
    /// highest id of each; messages and conversations are counted by the script itself.
    static func counters(of state: ParleyState) -> [String: UInt64] {
        [
            "message": state.watermarks.message, "conversation": state.watermarks.conversation, "site": state.watermarks.site,
            "agent": state.watermarks.agent, "visitor": state.watermarks.visitor, "token-family": state.watermarks.tokenFamily,
            "file": state.files.watermark, "webhook": state.webhooks.webhookWatermark, "knowledge-document": state.knowledge.watermark,
        ]
    }

    /// `recentPerConversation`: how many of a conversation's newest client message ids a node
    /// remembers (``EngineLimits/dedupeWindow``); only messages still in memory are read.
    public init(state: ParleyState, now: Timestamp, dedupeWindow: Duration, recentPerConversation: Int = 1024) {
        lsn = state.appliedLSN
        var seqs: [UInt64: UInt64] = [:]
        var closed: [UInt64] = []
        var clientMessageIDs: [ClientMessageID] = []
        let window = dedupeWindow.components.seconds * 1000
        for (id, log) in state.conversations {
            if log.lastSeq > 0 { seqs[id.rawValue] = log.lastSeq }
            if log.conversation.closedAt != nil { closed.append(id.rawValue) }
            var remembered = 0
            for message in log.hotMessages.reversed() where remembered < recentPerConversation {
                guard let clientID = message.clientMessageID else { continue }
                remembered += 1
                let left = window - (now.milliseconds - message.createdAt.milliseconds)
                if left >= 1000 {
                    clientMessageIDs.append(ClientMessageID(conversation: id.rawValue, clientID: clientID, seq: message.seq, secondsLeft: left / 1000))
                }
            }
        }
        var names = Set(state.visitorsByExternalID.keys.map { RedisLogRecord.visitorClaim(site: $0.site, externalID: $0.key) })
        for agent in state.agents.values { names.formUnion(RedisLogRecord.loginClaims(agent)) }
        for login in state.agentsByLogin.keys { names.insert(UniqueName.account(email: login).claim) }
        let lifetime = IdempotencyClaim.clusterLifetime.components.seconds * 1000
        self.seqs = seqs
        self.closed = closed.sorted()
        counters = Self.counters(of: state)
        uniqueNames = names.sorted()
        self.clientMessageIDs = clientMessageIDs.sorted { ($0.conversation, $0.seq) < ($1.conversation, $1.seq) }
        idempotencyClaims = state.idempotency.replies.values.compactMap { reply in
            let left = lifetime - (now.milliseconds - reply.recordedAt.milliseconds)
            return left > 0 ? ExpiringName(name: IdempotencyClaim.clusterName(scope: reply.scope), millisecondsLeft: left) : nil
        }.sorted { $0.name < $1.name }
        blobs = state.files.blobNames.keys.sorted()
    }
}
