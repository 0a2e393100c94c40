import Hummingbird
import ParleyEngine
import ParleyModel

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
            status: "active", role: role)
    }

    struct SiteList: Encodable, Sendable {
        var sites: [SiteBody]
        var total: Int
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<SiteList> {
        let site = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let sites = broker.site(site).map { [body($0, principal: principal)] } ?? []
        return NativeSuccess(SiteList(sites: sites, total: sites.count))
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<SiteBody> {
        _ = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let id = try NativeScope.site(context.parameters.get("site_id"), principal: principal)
        guard let site = broker.site(id) else { throw APIError.notFound("site") }
        return NativeSuccess(body(site, principal: principal))
    }
}
