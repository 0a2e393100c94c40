/// An invitation to join a site's team (omni `POST /api/v1/team/invite`): single use, valid
/// for ``lifetime``. Only the SHA-256 of its token is kept. Codec v7.
public struct Invite: Hashable, Sendable {
    public var tokenHash: String
    public var siteID: SiteID
    public var email: String
    public var name: String
    public var role: AgentRole
    public var departments: [String]
    public var invitedBy: AgentID?
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var acceptedAt: Timestamp?

    /// Seven days (CONTRACT §7).
    public static let lifetime: Int64 = 7 * 24 * 3600 * 1000

    public init(
        tokenHash: String, siteID: SiteID, email: String, name: String, role: AgentRole, departments: [String],
        invitedBy: AgentID?, createdAt: Timestamp, expiresAt: Timestamp, acceptedAt: Timestamp? = nil
    ) {
        self.tokenHash = tokenHash
        self.siteID = siteID
        self.email = email
        self.name = name
        self.role = role
        self.departments = departments
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.acceptedAt = acceptedAt
    }

    public func isOpen(at now: Timestamp) -> Bool { acceptedAt == nil && now < expiresAt }
}

/// The team domain's state (invites), composed by ``ParleyState``: a plain state machine.
public struct TeamState: Sendable {
    public private(set) var invites: [String: Invite] = [:]
    /// Per site and lower-cased e-mail, the newest invite: an invite again replaces the older.
    public private(set) var newestInvite: [SiteScopedKey: String] = [:]

    public init(invites: [Invite] = []) {
        for invite in invites.sorted(by: { $0.createdAt < $1.createdAt }) { _ = add(invite) }
    }

    /// Keeps an invite; `false` when it is known already (replay).
    mutating func add(_ invite: Invite) -> Bool {
        guard invites[invite.tokenHash] == nil else { return false }
        invites[invite.tokenHash] = invite
        newestInvite[SiteScopedKey(site: invite.siteID, key: invite.email.lowercased())] = invite.tokenHash
        return true
    }

    /// Marks an invite used; `false` when it was used already.
    mutating func accept(_ tokenHash: String, at: Timestamp) -> Bool {
        guard invites[tokenHash]?.acceptedAt == nil else { return false }
        invites[tokenHash]?.acceptedAt = at
        return true
    }

    /// An invite that may still be accepted: the newest for its e-mail, unused, unexpired.
    public func openInvite(_ tokenHash: String, at now: Timestamp) -> Invite? {
        guard let invite = invites[tokenHash], invite.isOpen(at: now),
            newestInvite[SiteScopedKey(site: invite.siteID, key: invite.email.lowercased())] == tokenHash
        else { return nil }
        return invite
    }

    /// The site's invites that may still be accepted, oldest first.
    public func pending(site: SiteID, at now: Timestamp) -> [Invite] {
        newestInvite.filter { $0.key.site == site }.compactMap { openInvite($0.value, at: now) }
            .sorted { $0.createdAt < $1.createdAt }
    }
}
