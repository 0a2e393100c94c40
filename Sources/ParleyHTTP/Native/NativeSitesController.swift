import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/v1/sites`: the caller's site (seed 004 §2). Agents see `public_key`; owners, admins and
/// the secret key also see `secret_key` (CONTRACT §7).
struct NativeSitesController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("sites", use: list)
        group.get("sites/:site_id", use: get)
    }

    struct SiteBody: Encodable, Sendable {
        struct Widget: Encodable, Sendable {
            var primary_color: String
            var welcome_message: String
            var offline_message: String
        }

        var id: String
        var name: String
        var domain: String
        var widget_config: Widget
        var public_key: String
        var secret_key: String?
        var created_at: String
        var status: String
        var role: String?
        /// Conversations of the site that are not closed.
        var active_conversations: Int
    }

    func body(_ site: Site, principal: Principal) -> SiteBody {
        let seesSecret: Bool =
            switch principal {
            case .secretKey: true
            case .agent(_, _, let role, _): role != .agent
            default: false
            }
        let role: String? = if case .agent(_, _, let role, _) = principal { NativeWire.role(role) } else { nil }
        return SiteBody(
            id: NativeID.format(site.id), name: site.name, domain: site.domain,
            widget_config: .init(
                primary_color: site.widget.primaryColor, welcome_message: site.widget.welcomeMessage,
                offline_message: site.widget.offlineMessage),
            public_key: site.publicKey, secret_key: seesSecret ? site.secretKey : nil, created_at: site.createdAt.rfc3339,
            status: "active", role: role,
            active_conversations: broker.store.read { state in
                state.openConversationsBySite[site.id]?.count ?? 0
            })
    }

    struct SiteList: Encodable, Sendable {
        var sites: [SiteBody]
        var pagination: NativeWire.Pagination
        /// The same as `pagination.total` (kept for clients of the first release).
        var total: Int
    }

    /// The sites the caller has access to (an agent belongs to one site: its own), paged as
    /// seed §2.2 says: `page` (default 1), `limit` (default 20, at most 100).
    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<SiteList> {
        let site = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let page = try NativeScope.page(query["page"])
        let limit = try NativeScope.limit(query["limit"].map(String.init), default: 20, max: 100)
        let all = broker.site(site).map { [$0] } ?? []
        let sites = all.dropFirst((page - 1) * limit).prefix(limit).map { body($0, principal: principal) }
        return NativeSuccess(
            SiteList(sites: sites, pagination: NativeWire.Pagination(page: page, limit: limit, total: all.count), total: all.count))
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<SiteBody> {
        _ = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let id = try NativeScope.site(context.parameters.get("site_id"), principal: principal)
        guard let site = broker.site(id) else { throw APIError.notFound("site") }
        return NativeSuccess(body(site, principal: principal))
    }
}
