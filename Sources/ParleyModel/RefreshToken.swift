/// A refresh token as the broker keeps it: only the token's SHA-256 is stored, never the token.
///
/// Tokens of one login form a *family*: each refresh spends the presented token and issues the
/// next one of the family; presenting a spent token again revokes the whole family.
public struct RefreshToken: Hashable, Sendable {
    /// Lower-case hex SHA-256 of the opaque token.
    public var tokenHash: String
    public var family: UInt64
    public var agentID: AgentID
    public var issuedAt: Timestamp
    public var expiresAt: Timestamp
    public var spentAt: Timestamp?

    public init(
        tokenHash: String, family: UInt64, agentID: AgentID, issuedAt: Timestamp, expiresAt: Timestamp,
        spentAt: Timestamp? = nil
    ) {
        self.tokenHash = tokenHash
        self.family = family
        self.agentID = agentID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.spentAt = spentAt
    }
}
