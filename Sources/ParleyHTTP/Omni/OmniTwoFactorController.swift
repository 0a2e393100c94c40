import Hummingbird
import ParleyEngine
import ParleyModel

/// `/api/v1/auth/2fa/…` (seed 003): an agent turns two-factor login on (enable, then verify
/// with a first code) and off (with a current code). Once on, logins in every dialect need
/// `totp_code` (CONTRACT §7: 401 `TOTP_REQUIRED` otherwise).
struct OmniTwoFactorController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post("auth/2fa/enable", use: enable)
        group.post("auth/2fa/verify", use: verify)
        group.post("auth/2fa/disable", use: disable)
    }

    struct Enrollment: Encodable, Sendable {
        /// Base32, for typing into an authenticator app.
        var secret: String
        /// `otpauth://totp/…`, for a QR code.
        var qr_code_url: String
        /// Ten single-use codes for when the phone is away; shown once.
        var backup_codes: [String]
    }

    @Sendable func enable(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<Enrollment> {
        let (id, _, _) = try context.requireAgent()
        guard let agent = broker.agent(id) else { throw APIError.unauthorized("the agent no longer exists") }
        let enrollment = try await broker.twoFactor.enroll(agent)
        return OmniData(Enrollment(secret: enrollment.secret, qr_code_url: enrollment.otpauthURL, backup_codes: enrollment.backupCodes))
    }

    struct CodeRequest: Decodable {
        var code: String
    }

    struct State: Encodable, Sendable {
        var enabled: Bool
    }

    @Sendable func verify(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<State> {
        let (id, _, _) = try context.requireAgent()
        let body = try await request.decode(as: CodeRequest.self, context: context)
        try await broker.twoFactor.confirm(id, code: body.code)
        return OmniData(State(enabled: true))
    }

    @Sendable func disable(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<State> {
        let (id, _, _) = try context.requireAgent()
        let body = try await request.decode(as: CodeRequest.self, context: context)
        do {
            try await broker.twoFactor.disable(id, code: body.code)
        } catch let error as EngineError where error.code == .totpRequired {
            // A wrong code here is a refused request, not a login to resume.
            throw APIError(.forbidden, code: "FORBIDDEN", message: error.message)
        }
        return OmniData(State(enabled: false))
    }
}
