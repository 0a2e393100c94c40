public import Hummingbird
import HTTPTypes
public import ParleyEngine
import ParleyModel
import ParleyStorage

/// Establishes the caller: `Authorization: Bearer <JWT | sk_… | pk_…>` or `X-Visitor-Token`.
/// Presented credentials that are not valid are a 401 right away; no credentials leave the
/// request anonymous, and each route decides whether that is enough.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = ParleyRequestContext
    let broker: Broker
    let tokens: TokenService

    public init(broker: Broker, tokens: TokenService) {
        self.broker = broker
        self.tokens = tokens
    }

    public func handle(
        _ request: Request, context: ParleyRequestContext, next: (Request, ParleyRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            context.principal = try await principal(bearer: authorization)
        } else if let visitorToken = request.headers[.visitorToken] {
            guard let visitor = broker.accounts.visitor(forSession: visitorToken) else {
                throw APIError.unauthorized("the visitor session token is not valid")
            }
            context.principal = .visitor(visitor.id, site: visitor.siteID)
        }
        return try await next(request, context)
    }

    /// The caller an `Authorization` header names (also the admin API's check of `sk_` keys).
    func principal(bearer authorization: String) async throws -> Principal {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIError.unauthorized("authorization must be 'Bearer <token>'")
        }
        let token = String(parts[1])
        if token.hasPrefix("sk_") || token.hasPrefix("pk_") {
            let site = broker.store.read { state in state.sitesByKey[token].flatMap { state.sites[$0] } }
            guard let site else { throw APIError.unauthorized("the site key is not valid") }
            return token == site.secretKey ? .secretKey(site: site.id) : .publicKey(site: site.id)
        }
        switch await tokens.verify(token) {
        case .expired: throw APIError.unauthorized("the access token has expired; refresh it", code: "TOKEN_EXPIRED")
        case .invalid: throw APIError.unauthorized("the access token is not valid")
        case .valid(let access):
            guard let agent = agent(access) else { throw APIError.unauthorized("the access token was revoked") }
            return agent
        }
    }

    /// The agent behind an access token (JWT) that is valid, unexpired and not revoked by a
    /// logout or a refresh-token reuse; shared with the WebSocket gateway.
    public func agent(accessToken token: String) async -> Principal? {
        guard case .valid(let access) = await tokens.verify(token) else { return nil }
        return agent(access)
    }

    /// The agent of a verified token, unless its agent or site no longer match or its login
    /// family was revoked.
    private func agent(_ access: TokenService.Access) -> Principal? {
        let valid = broker.store.read { state in
            (state.agents[access.agent]?.siteID == access.site && !state.revokedTokenFamilies.contains(access.family))
                ? state.agents[access.agent] : nil
        }
        guard let agent = valid else { return nil }
        return .agent(agent.id, site: agent.siteID, role: agent.role, family: access.family)
    }
}

extension HTTPField.Name {
    /// The visitor's session token on REST calls (CONTRACT §3).
    static let visitorToken = HTTPField.Name("X-Visitor-Token")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
