import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/api/v1/auth/…` of the omni dialect (seed 003): public sign-up, login, refresh, logout.
/// The tokens are the same as the native dialect's; the owner can log in through every dialect.
struct OmniAuthController {
    let broker: Broker
    let tokens: TokenService
    let gate: LoginGate

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post("auth/register", use: signUp)
        group.post("auth/login", use: login)
        group.post("auth/refresh", use: refresh)
        group.post("auth/logout", use: logout)
        group.post("auth/accept-invite", use: acceptInvite)
    }

    struct SignUpRequest: Decodable {
        var email: String
        var password: String
        var first_name: String?
        var last_name: String?
        var company_name: String
    }

    /// The token answer (seed 003), plus `site_id` and `user_id` in native form (CONTRACT §7).
    struct TokenPair: Encodable, Sendable {
        var access_token: String
        var refresh_token: String
        var token_type = "bearer"
        var expires_in: Int64
        var site_id: String
        var user_id: String
    }

    func pair(for agent: Agent, refreshToken: AccountService.IssuedRefreshToken) async throws -> TokenPair {
        TokenPair(
            access_token: try await tokens.issue(agent: agent.id, site: agent.siteID, family: refreshToken.family),
            refresh_token: refreshToken.token, expires_in: tokens.lifetime.components.seconds,
            site_id: NativeID.format(agent.siteID), user_id: NativeID.format(agent.id))
    }

    @Sendable func signUp(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<TokenPair>> {
        let body = try await request.decode(as: SignUpRequest.self, context: context)
        let name = [body.first_name, body.last_name].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        let (_, owner) = try await broker.directory.registerAccount(
            companyName: body.company_name, email: body.email, password: body.password, displayName: name)
        let refresh = try await broker.accounts.issueRefreshToken(for: owner.id)
        return EditedResponse(status: .created, response: OmniData(try await pair(for: owner, refreshToken: refresh)))
    }

    struct LoginRequest: Decodable {
        var email: String
        var password: String
        /// Required when the agent has two-factor login on (a TOTP code or a backup code).
        var totp_code: String?
    }

    @Sendable func login(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<TokenPair> {
        let body = try await request.decode(as: LoginRequest.self, context: context)
        let agent = try await gate.authenticate(
            login: body.email, password: body.password, site: nil, address: context.clientAddress, totpCode: body.totp_code)
        return OmniData(try await pair(for: agent, refreshToken: try await broker.accounts.issueRefreshToken(for: agent.id)))
    }

    struct RefreshRequest: Decodable {
        var refresh_token: String
    }

    @Sendable func refresh(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<TokenPair> {
        let body = try await request.decode(as: RefreshRequest.self, context: context)
        let (agent, next) = try await broker.accounts.rotate(body.refresh_token)
        return OmniData(try await pair(for: agent, refreshToken: next))
    }

    struct AcceptInviteRequest: Decodable {
        var invite_token: String
        var password: String
        var name: String?
    }

    /// Activates the invited account (CONTRACT §7, an extension): the invitee chooses a
    /// password and is logged in. Single use; 401 for an unknown, used or expired token.
    @Sendable func acceptInvite(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<TokenPair>> {
        let body = try await request.decode(as: AcceptInviteRequest.self, context: context)
        let agent = try await broker.directory.acceptInvite(token: body.invite_token, password: body.password, name: body.name)
        let refresh = try await broker.accounts.issueRefreshToken(for: agent.id)
        return EditedResponse(status: .created, response: OmniData(try await pair(for: agent, refreshToken: refresh)))
    }

    struct LoggedOut: Encodable, Sendable {
        var logged_out = true
    }

    @Sendable func logout(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<LoggedOut> {
        guard case .agent(_, _, _, let family) = try context.requirePrincipal() else {
            throw APIError.forbidden("logout is for agents")
        }
        try await broker.accounts.revoke(family: family)
        return OmniData(LoggedOut())
    }
}
