import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/api/v1/team` (seed 003, CONTRACT §7): the site's agents with `role_id` owner|admin|agent
/// and availability, and its open invites marked as pending; invites and role changes.
struct OmniTeamController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("team", use: list)
        group.post("team/invite", use: invite)
        group.put("team/:user_id/role", use: changeRole)
    }

    struct Member: Encodable, Sendable {
        /// `null` for a pending invite (it is no agent yet).
        @ExplicitNull var id: String?
        var email: String
        var name: String
        var role_id: String
        /// Availability, or `invited` for a pending invite.
        var status: String
        var departments: [String]
        var invite_pending: Bool
        var bot: Bool
        var created_at: String
        @ExplicitNull var last_seen: String?
        @ExplicitNull var invite_expires_at: String?
    }

    static func member(_ agent: Agent, presence: PresenceBoard) -> Member {
        Member(
            id: OmniID.format(agent.id), email: agent.email, name: agent.displayName, role_id: agent.role.name,
            status: agent.availability.name, departments: agent.departments, invite_pending: false, bot: agent.isBot,
            created_at: agent.createdAt.rfc3339, last_seen: NativeWire.lastSeen(agent, presence: presence)?.rfc3339,
            invite_expires_at: nil)
    }

    static func member(_ invite: Invite) -> Member {
        Member(
            id: nil, email: invite.email, name: invite.name, role_id: invite.role.name, status: "invited",
            departments: invite.departments, invite_pending: true, bot: false, created_at: invite.createdAt.rfc3339,
            last_seen: nil, invite_expires_at: invite.expiresAt.rfc3339)
    }

    /// Agents by id, then open invites, oldest first; paged.
    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> OmniList<Member, OmniMeta> {
        let site = try context.requireStaff()
        let paging = try OmniScope.Paging(request.uri.queryParameters)
        let members: [Member] = broker.store.read { state in
            state.agents.values.filter { $0.siteID == site }.sorted { $0.id < $1.id }.map { Self.member($0, presence: broker.presence) }
                + state.team.pending(site: site, at: .now()).map(Self.member)
        }
        return OmniList(data: Array(paging.slice(members)), meta: paging.meta(total: members.count))
    }

    /// The caller's role for team changes: an agent's, or owner rights for the `sk_` key.
    static func actorRole(_ context: ParleyRequestContext) throws -> AgentRole? {
        switch try context.requirePrincipal() {
        case .agent(_, _, let role, _): role
        case .secretKey: nil
        case .visitor, .publicKey: throw APIError.forbidden("this route is for agents")
        }
    }

    struct InviteRequest: Decodable {
        var email: String
        var name: String?
        var role_id: String?
        var departments: [String]?
    }

    struct Invited: Encodable, Sendable {
        var email: String
        var name: String
        var role_id: String
        var departments: [String]
        /// Hand it to the invitee; shown once, single use.
        var invite_token: String
        var expires_at: String
    }

    /// Owners and admins invite (`role_id` agent by default); only owners invite owners.
    @Sendable func invite(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<Invited>> {
        let site = try context.requireStaff()
        let actor = try Self.actorRole(context)
        guard actor != .agent else { throw APIError.forbidden("only owners and admins invite") }
        let body = try await request.decode(as: InviteRequest.self, context: context)
        guard let role = AgentRole(name: body.role_id ?? "agent") else { throw APIError.validation("role_id must be owner, admin or agent") }
        if role == .owner, actor == .admin { throw APIError.forbidden("only an owner invites owners") }
        let inviter: AgentID? = if case .agent(let id, _, _, _)? = context.principal { id } else { nil }
        let issued = try await broker.directory.invite(
            site: site, email: body.email, name: body.name ?? "", role: role, departments: body.departments ?? [], by: inviter)
        return EditedResponse(
            status: .created,
            response: OmniData(
                Invited(
                    email: issued.invite.email, name: issued.invite.name, role_id: role.name, departments: issued.invite.departments,
                    invite_token: issued.token, expires_at: issued.invite.expiresAt.rfc3339)))
    }

    struct RoleRequest: Decodable {
        var role_id: String
    }

    @Sendable func changeRole(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<Member> {
        let site = try context.requireStaff()
        let actor = try Self.actorRole(context)
        let target = try OmniScope.agent(context.parameters.get("user_id"), site: site, broker: broker)
        let body = try await request.decode(as: RoleRequest.self, context: context)
        guard let role = AgentRole(name: body.role_id) else { throw APIError.validation("role_id must be owner, admin or agent") }
        let updated = try await broker.directory.changeRole(of: target.id, to: role, by: actor)
        return OmniData(Self.member(updated, presence: broker.presence))
    }
}
