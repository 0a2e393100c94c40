/// Visitor session tokens (by hash) and whom they belong to, bounded per visitor (issue 15):
/// a visitor keeps its newest ``perVisitor`` sessions; issuing one more retires the oldest.
///
/// "Oldest" is by issue time, then hash, so that a live state, a replay and a snapshot load
/// (codec version 16 keeps the issue time) all retire the same session.
public struct VisitorSessions: Sendable {
    public struct Session: Hashable, Sendable {
        public var visitor: VisitorID
        public var issuedAt: Timestamp

        public init(visitor: VisitorID, issuedAt: Timestamp) {
            self.visitor = visitor
            self.issuedAt = issuedAt
        }
    }

    /// Sessions a visitor keeps: a widget makes one per browser profile it runs in.
    public static let perVisitor = 16

    private(set) var sessions: StateMap<String, Session> = [:]
    /// Each visitor's session hashes, oldest first.
    private var byVisitor: StateMap<VisitorID, [String]> = [:]

    public init() {}

    /// The state a snapshot held.
    public init(restoring sessions: [String: Session]) {
        for (hash, session) in sessions { _ = issue(hash, to: session.visitor, at: session.issuedAt) }
    }

    public subscript(hash: String) -> VisitorID? { sessions[hash]?.visitor }

    public var count: Int { sessions.count }

    /// Every session, by hash (for the snapshot).
    public var all: StateMap<String, Session> { sessions }

    /// Adds a session; returns `false` when the hash is already known. Retires the visitor's
    /// oldest session past ``perVisitor``.
    mutating func issue(_ hash: String, to visitor: VisitorID, at time: Timestamp) -> Bool {
        guard sessions[hash] == nil else { return false }
        let session = Session(visitor: visitor, issuedAt: time)
        sessions[hash] = session
        var hashes = byVisitor[visitor, default: []]
        let index = hashes.firstIndex { Self.isOlder(session, hash, than: sessions[$0]!, $0) } ?? hashes.endIndex
        hashes.insert(hash, at: index)
        if hashes.count > Self.perVisitor { sessions[hashes.removeFirst()] = nil }
        byVisitor[visitor] = hashes
        return true
    }

    /// Ends every session of a visitor (erasure); returns how many there were.
    @discardableResult
    mutating func revokeAll(of visitor: VisitorID) -> Int {
        let hashes = byVisitor.removeValue(forKey: visitor) ?? []
        for hash in hashes { sessions[hash] = nil }
        return hashes.count
    }

    private static func isOlder(_ session: Session, _ hash: String, than other: Session, _ otherHash: String) -> Bool {
        (session.issuedAt, hash) < (other.issuedAt, otherHash)
    }
}
