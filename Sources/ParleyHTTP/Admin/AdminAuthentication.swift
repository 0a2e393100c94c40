public import Hummingbird
import HTTPTypes
public import ParleyModel

/// Who may use the admin API: the operator (`allSites`: the data directory's ``AdminToken``,
/// every site and making sites) or a site's secret key `sk_…` (that site only).
public enum AdminScope: Sendable, Equatable {
    case allSites
    case site(SiteID)

    /// `site` if the caller may act on it, else 404 (another tenant's ids are never confirmed).
    func require(_ site: SiteID) throws {
        if case .site(let own) = self, own != site { throw APIError.notFound("site") }
    }
}

/// `Authorization: Bearer <admin token | sk_…>` on every admin route; anything else is a 401.
struct AdminAuthentication: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let token: AdminToken
    let authentication: AuthenticationMiddleware

    func handle(
        _ request: Request, context: ParleyRequestContext, next: (Request, ParleyRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let authorization = request.headers[.authorization] else {
            throw APIError.unauthorized("the admin API needs 'Authorization: Bearer <admin token or sk_ key>'")
        }
        var context = context
        let parts = authorization.split(separator: " ", maxSplits: 1)
        if parts.count == 2, parts[0].lowercased() == "bearer", token.matches(String(parts[1])) {
            context.adminScope = .allSites
        } else {
            // A site's secret key, through the dialects' own check; JWTs and public keys are refused.
            guard parts.count == 2, parts[1].hasPrefix("sk_"),
                case .secretKey(let site) = try await authentication.principal(bearer: authorization)
            else {
                throw APIError.unauthorized("the admin API takes the admin token or a site's sk_ key")
            }
            context.principal = .secretKey(site: site)
            context.adminScope = .site(site)
        }
        return try await next(request, context)
    }
}
