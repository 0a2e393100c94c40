public import ParleyModel
public import ParleyStorage

/// Logins, refresh-token families and visitor sessions. Tokens are opaque 256-bit (refresh) or
/// 192-bit (visitor) CSPRNG strings; only their SHA-256 is stored, through the log.
///
/// An actor so that a refresh token is spent exactly once: two concurrent refreshes with one
/// token leave one winner, and the other counts as reuse, which revokes the family.
public actor AccountService {
    private let store: EventStore
    private let ids: IDAllocator
    private let refreshLifetime: Duration
    /// Tokens being spent right now (their `spent` record not yet durable).
    private var spending: Set<String> = []

    public init(store: EventStore, ids: IDAllocator, refreshLifetime: Duration = .seconds(30 * 24 * 3600)) {
        self.store = store
        self.ids = ids
        self.refreshLifetime = refreshLifetime
    }

    /// The agent whose username or e-mail is `login` (on `site`, when given) and whose password
    /// matches; `nil` otherwise (the caller answers INVALID_CREDENTIALS without saying which).
    public nonisolated func authenticate(login: String, password: String, site: SiteID?) -> Agent? {
        let candidates = store.read { state in
            (state.agentsByLogin[login.lowercased()] ?? []).compactMap { state.agents[$0] }
                .filter { site == nil || $0.siteID == site }
        }
        guard candidates.count == 1, let agent = candidates.first else {
            // Spend the same time as a real check, so that timing does not reveal accounts.
            _ = PasswordHasher.verify(password, against: Self.dummyHash)
            return nil
        }
        return PasswordHasher.verify(password, against: agent.passwordHash) ? agent : nil
    }

    private static let dummyHash = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5x/9bDxvmxDPKn.0QJGRoIx8ecQhV6e"

    /// A refresh token and the family (the login) it belongs to.
    public struct IssuedRefreshToken: Sendable {
        public var token: String
        public var family: UInt64
    }

    /// Starts a new family for `agent` and returns its first refresh token.
    public func issueRefreshToken(for agent: AgentID) async throws -> IssuedRefreshToken {
        try await issue(for: agent, family: try await ids.nextTokenFamily())
    }

    private func issue(for agent: AgentID, family: UInt64) async throws -> IssuedRefreshToken {
        let token = SecretGenerator.token(prefix: "rt_", bytes: 32)
        let now = Timestamp.now()
        let expires = Timestamp(milliseconds: now.milliseconds + refreshLifetime.components.seconds * 1000)
        try await store.commit(
            .refreshTokenIssued(
                RefreshToken(
                    tokenHash: SecretGenerator.digest(token), family: family, agentID: agent, issuedAt: now,
                    expiresAt: expires)))
        return IssuedRefreshToken(token: token, family: family)
    }

    /// Spends `token` and returns its agent with the family's next token. A spent token presented
    /// again revokes the whole family; unknown, expired and revoked tokens are refused.
    public func rotate(_ token: String) async throws -> (agent: Agent, refreshToken: IssuedRefreshToken) {
        let hash = SecretGenerator.digest(token)
        let (record, revoked, agent) = store.read { state in
            let record = state.refreshTokens[hash]
            return (record, record.map { state.revokedTokenFamilies.contains($0.family) } ?? false, record.flatMap { state.agents[$0.agentID] })
        }
        guard let record, let agent, !revoked, record.expiresAt > .now() else {
            throw EngineError(.unauthorized, "refresh token is invalid or expired")
        }
        guard record.spentAt == nil, !spending.contains(hash) else {
            try await store.commit(.refreshFamilyRevoked(family: record.family, at: .now()))
            throw EngineError(.unauthorized, "refresh token was already used; every session of this login is revoked")
        }
        spending.insert(hash)
        defer { spending.remove(hash) }
        try await store.commit(.refreshTokenSpent(tokenHash: hash, at: .now()))
        return (agent, try await issue(for: agent.id, family: record.family))
    }

    /// Logout: revokes the family of `token` (unknown tokens are ignored: logout always succeeds).
    public func revoke(_ token: String) async throws {
        let hash = SecretGenerator.digest(token)
        guard let family = store.read({ $0.refreshTokens[hash]?.family }) else { return }
        try await store.commit(.refreshFamilyRevoked(family: family, at: .now()))
    }

    /// Revokes a whole family (logout with an access token of that login).
    public func revoke(family: UInt64) async throws {
        guard !store.read({ $0.revokedTokenFamilies.contains(family) }) else { return }
        try await store.commit(.refreshFamilyRevoked(family: family, at: .now()))
    }

    /// A new session token for `visitor`.
    public func issueVisitorSession(for visitor: VisitorID) async throws -> String {
        let token = SecretGenerator.token(prefix: "vs_", bytes: 24)
        try await store.commit(.visitorSessionIssued(visitor, tokenHash: SecretGenerator.digest(token), at: .now()))
        return token
    }

    /// The visitor a session token belongs to.
    public nonisolated func visitor(forSession token: String) -> Visitor? {
        let hash = SecretGenerator.digest(token)
        return store.read { state in state.visitorSessions[hash].flatMap { state.visitors[$0] } }
    }
}
