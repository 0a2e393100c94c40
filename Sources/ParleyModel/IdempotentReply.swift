/// The answer to a creating request that carried an `Idempotency-Key`, kept for 24 hours so
/// that a retry with the same key and body gets it again (CONTRACT §4). Logged (codec
/// version 4), so a retry after a restart still creates nothing.
public struct IdempotentReply: Hashable, Sendable {
    /// Who asked, where, and with which key: `<principal> <path> <key>` (a visitor's principal
    /// is `visitor:<id>`; erasure forgets a visitor's replies by it).
    public var scope: String
    /// SHA-256 (hex) of the canonical request body.
    public var requestHash: String
    public var status: UInt16
    public var contentType: String?
    /// The response body (JSON text).
    public var body: String
    public var recordedAt: Timestamp

    public init(scope: String, requestHash: String, status: UInt16, contentType: String?, body: String, recordedAt: Timestamp) {
        self.scope = scope
        self.requestHash = requestHash
        self.status = status
        self.contentType = contentType
        self.body = body
        self.recordedAt = recordedAt
    }

    /// A key whose request has changed the state but whose answer is not kept yet: status 0,
    /// no body. It is logged in the same record as the request's first effect (record type
    /// 39, codec version 17) and replaced by the answer (record type 16) once that is kept; a
    /// key still pending after a restart means the server stopped between the two.
    public static func pending(scope: String, requestHash: String, at time: Timestamp) -> IdempotentReply {
        IdempotentReply(scope: scope, requestHash: requestHash, status: 0, contentType: nil, body: "", recordedAt: time)
    }

    public var isPending: Bool { status == 0 }

    /// Whether this kept reply stays when `other` comes for its scope: a newer one replaces
    /// it, and so does the answer of the same time replacing its pending key.
    public func supersedes(_ other: IdempotentReply) -> Bool {
        if recordedAt != other.recordedAt { return recordedAt > other.recordedAt }
        return !(isPending && !other.isPending)
    }
}

/// The kept ``IdempotentReply`` values: at most ``capacity``, none older than ``lifetime``
/// behind the newest. Pruning depends only on the records themselves, so replay rebuilds the
/// same ledger.
public struct IdempotencyLedger: Sendable {
    public static let lifetimeMilliseconds: Int64 = 24 * 3600 * 1000
    public static let capacity = 100_000
    public private(set) var replies: StateMap<String, IdempotentReply> = [:]
    /// Scopes in the order they were recorded (a scope may appear again after re-recording).
    private var order: [(scope: String, recordedAt: Timestamp)] = []
    private var orderStart = 0

    public init() {}

    /// Rebuilds a ledger from snapshot contents.
    public init(_ replies: [IdempotentReply]) {
        for reply in replies.sorted(by: { ($0.recordedAt, $0.scope) < ($1.recordedAt, $1.scope) }) { record(reply) }
    }

    /// Keeps `reply` (replacing an older one of its scope) and forgets what has aged out.
    public mutating func record(_ reply: IdempotentReply) {
        replies[reply.scope] = reply
        order.append((reply.scope, reply.recordedAt))
        // Saturating: a damaged time near Int64.min must not trap (found by libFuzzer).
        let (difference, overflow) = reply.recordedAt.milliseconds.subtractingReportingOverflow(Self.lifetimeMilliseconds)
        let horizon = overflow ? Int64.min : difference
        while orderStart < order.count, order[orderStart].recordedAt.milliseconds < horizon || replies.count > Self.capacity {
            let (scope, recordedAt) = order[orderStart]
            if replies[scope]?.recordedAt == recordedAt { replies[scope] = nil }
            orderStart += 1
        }
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    /// Forgets the kept replies whose scope matches (erasure: a visitor's answers hold what it
    /// wrote); the order entries left behind are skipped when they age out.
    mutating func forget(where matches: (String) -> Bool) {
        for scope in Array(replies.keys) where matches(scope) { replies[scope] = nil }
    }

    /// The kept reply of `scope`, unless it is older than the lifetime at `now`.
    public func reply(for scope: String, now: Timestamp) -> IdempotentReply? {
        guard let reply = replies[scope], now.milliseconds - reply.recordedAt.milliseconds < Self.lifetimeMilliseconds
        else { return nil }
        return reply
    }

    /// Every kept reply in a stable order (for snapshots).
    public var sorted: [IdempotentReply] {
        replies.values.sorted { ($0.recordedAt, $0.scope) < ($1.recordedAt, $1.scope) }
    }
}
