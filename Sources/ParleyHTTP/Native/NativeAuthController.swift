import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/v1/auth/…`: support agent login, refresh, logout and token validation (seed 004 §1).
struct NativeAuthController {
    let broker: Broker
    let tokens: TokenService
    let gate: LoginGate

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post("auth/support/login", use: login)
        group.post("auth/refresh", use: refresh)
        group.post("auth/logout", use: logout)
        group.get("auth/validate", use: validate)
    }

    struct LoginRequest: Decodable {
        var username: String
        var password: String
        var site_id: String?
        /// Required when the agent has two-factor login on (a TOTP code or a backup code).
        var totp_code: String?
    }

    struct LoginResponse: Encodable, Sendable {
        var token: String
        var refresh_token: String
        var expires_in: Int64
        var user: NativeWire.User
    }

    @Sendable func login(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<LoginResponse> {
        let body = try await request.decode(as: LoginRequest.self, context: context)
        var site: SiteID?
        if let siteText = body.site_id, !siteText.isEmpty {
            site = try NativeScope.id(siteText, field: "site_id")
        }
        let agent = try await gate.authenticate(
            login: body.username, password: body.password, site: site, address: context.clientAddress,
            totpCode: body.totp_code)
        return NativeSuccess(try await session(for: agent, refreshToken: try await broker.accounts.issueRefreshToken(for: agent.id)))
    }

    private func session(for agent: Agent, refreshToken: AccountService.IssuedRefreshToken) async throws -> LoginResponse {
        let token = try await tokens.issue(agent: agent.id, site: agent.siteID, family: refreshToken.family)
        return LoginResponse(
            token: token, refresh_token: refreshToken.token, expires_in: tokens.lifetime.components.seconds,
            user: NativeWire.user(agent, presence: broker.presence))
    }

    struct RefreshRequest: Decodable {
        var refresh_token: String
    }

    struct RefreshResponse: Encodable, Sendable {
        var token: String
        var refresh_token: String
        var expires_in: Int64
    }

    @Sendable func refresh(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<RefreshResponse> {
        let body = try await request.decode(as: RefreshRequest.self, context: context)
        let (agent, next) = try await broker.accounts.rotate(body.refresh_token)
        let session = try await session(for: agent, refreshToken: next)
        return NativeSuccess(RefreshResponse(token: session.token, refresh_token: next.token, expires_in: session.expires_in))
    }

    struct LogoutResponse: ResponseEncodable {
        var success = true
        var message = "Logged out successfully"
    }

    @Sendable func logout(_ request: Request, context: ParleyRequestContext) async throws -> LogoutResponse {
        guard case .agent(_, _, _, let family) = try context.requirePrincipal() else {
            throw APIError.forbidden("logout is for agents")
        }
        try await broker.accounts.revoke(family: family)
        return LogoutResponse()
    }

    struct ValidateResponse: Encodable, Sendable {
        struct ValidatedUser: Encodable, Sendable {
            var id: String
            var username: String
            var role: String
        }

        var valid: Bool
        var user: ValidatedUser
    }

    @Sendable func validate(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<ValidateResponse> {
        let (id, _, role) = try context.requireAgent()
        guard let agent = broker.agent(id) else { throw APIError.unauthorized("the agent no longer exists") }
        return NativeSuccess(
            ValidateResponse(
                valid: true, user: .init(id: NativeID.format(id), username: agent.username, role: NativeWire.role(role))))
    }
}
