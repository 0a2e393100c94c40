public import ParleyModel
import ParleyStorage

/// The team: invites (single use, seven days; only the token's SHA-256 is logged), accepting
/// one (which creates the agent in the same record), and role changes with their rules.
extension Directory {
    /// An invite and the token to hand to the invitee (shown once).
    public struct IssuedInvite: Sendable {
        public var token: String
        public var invite: Invite
    }

    /// Invites `email` to `site` with `role`. The e-mail must not log in anywhere yet (omni
    /// logins are by e-mail alone); inviting it again replaces the earlier invite.
    public func invite(
        site: SiteID, email: String, name: String, role: AgentRole, departments: [String], by inviter: AgentID?
    ) async throws -> IssuedInvite {
        try Validate.email(email)
        try Validate.text(name, field: "name", max: limits.maxNameBytes, allowEmpty: true)
        guard departments.count <= 20 else { throw EngineError.validation("at most 20 departments") }
        for department in departments { try Validate.text(department, field: "departments", max: 64) }
        guard store.read({ $0.sites[site] != nil }) else { throw EngineError.notFound("site not found") }
        guard store.read({ $0.agentsByLogin[email.lowercased()]?.isEmpty ?? true }) else {
            throw EngineError.conflict("\(email) is already a member of a team")
        }
        let token = SecretGenerator.token(prefix: "inv_", bytes: 32)
        let now = Timestamp.now()
        let invite = Invite(
            tokenHash: SecretGenerator.digest(token), siteID: site, email: email, name: name, role: role,
            departments: departments, invitedBy: inviter, createdAt: now,
            expiresAt: Timestamp(milliseconds: now.milliseconds + Invite.lifetime))
        try await store.commit(.inviteCreated(invite))
        return IssuedInvite(token: token, invite: invite)
    }

    /// Accepts an invite: the agent it names is created with `password`. An unknown, used,
    /// replaced or expired token is refused (401), and a token is used at most once.
    public func acceptInvite(token: String, password: String, name: String?) async throws -> Agent {
        guard password.utf8.count >= 8, password.utf8.count <= 1024 else {
            throw EngineError.validation("password must be 8 to 1024 bytes long")
        }
        if let name { try Validate.text(name, field: "name", max: limits.maxNameBytes) }
        let hash = SecretGenerator.digest(token)
        guard let invite = store.read({ $0.team.openInvite(hash, at: .now()) }) else {
            throw EngineError(.unauthorized, "the invite is not valid: unknown, used, replaced or expired")
        }
        let login = SiteScopedKey(site: SiteID(0), key: invite.email.lowercased())
        // The token's own reservation makes a concurrent second accept fail here.
        let claim = SiteScopedKey(site: SiteID(0), key: "invite " + hash)
        guard !reservedLogins.contains(claim), !reservedLogins.contains(login),
            store.read({ $0.agentsByLogin[invite.email.lowercased()]?.isEmpty ?? true })
        else { throw EngineError.conflict("\(invite.email) is already a member of a team") }
        reservedLogins.formUnion([login, claim])
        defer { reservedLogins.subtract([login, claim]) }
        let displayName = name ?? (invite.name.isEmpty ? invite.email : invite.name)
        let agent = Agent(
            id: try await ids.nextAgent(), siteID: invite.siteID, username: invite.email, email: invite.email,
            displayName: displayName, role: invite.role, passwordHash: try passwords.hash(password), createdAt: .now(),
            departments: invite.departments)
        try await store.commit(.inviteAccepted(tokenHash: hash, agent: agent))
        return agent
    }

    /// Gives `agent` a new role, as `actor` (an agent's role, or nil for the site's secret key,
    /// which has owner rights). Owners change any role; admins change admins' and agents' roles
    /// but neither make nor unmake owners; agents change none. A site keeps at least one owner.
    public func changeRole(of agent: AgentID, to role: AgentRole, by actor: AgentRole?) async throws -> Agent {
        guard let target = store.read({ $0.agents[agent] }) else { throw EngineError.notFound("user not found") }
        let actorRole = actor ?? .owner
        guard actorRole != .agent else { throw EngineError.forbidden("only owners and admins change roles") }
        if actorRole == .admin, role == .owner || target.role == .owner {
            throw EngineError.forbidden("only an owner makes or unmakes owners")
        }
        guard target.role != role else { return target }
        // One role change per site at a time (the actor is re-entered while a record is
        // written), so two demotions cannot both count the other owner.
        let lock = SiteScopedKey(site: target.siteID, key: "role change")
        guard !reservedLogins.contains(lock) else { throw EngineError.conflict("another role change is in progress; retry") }
        reservedLogins.insert(lock)
        defer { reservedLogins.remove(lock) }
        if target.role == .owner {
            let owners = store.read { state in
                state.agents.values.count { $0.siteID == target.siteID && $0.role == .owner }
            }
            guard owners > 1 else { throw EngineError.conflict("a site keeps at least one owner") }
        }
        try await store.commit(.agentRoleChanged(agent, role, at: .now()))
        guard let updated = store.read({ $0.agents[agent] }) else { throw EngineError.notFound("user not found") }
        return updated
    }
}
