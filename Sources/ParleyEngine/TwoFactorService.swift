import Foundation
public import ParleyModel
public import ParleyStorage

/// Two-factor login for agents (RFC 6238 TOTP with ten single-use backup codes): issuing a
/// secret, turning it on with a first code, checking the code at every login in every dialect,
/// and turning it off with a current code. A code's step (or a backup code) is logged when
/// used, so it never works twice, across restarts too. An actor: two logins with one code
/// cannot both pass.
public actor TwoFactorService {
    private let store: EventStore
    private let issuer: String

    public init(store: EventStore, issuer: String = "Parley") {
        self.store = store
        self.issuer = issuer
    }

    /// What `enable` hands the agent once: the secret, an `otpauth://` URL for authenticator
    /// apps (as a QR code), and the backup codes.
    public struct Enrollment: Sendable {
        public var secret: String
        public var otpauthURL: String
        public var backupCodes: [String]
    }

    public func isEnabled(_ agent: AgentID) -> Bool { store.read { $0.twoFactor.isEnabled(agent) } }

    /// Issues a new secret (pending until confirmed). Refused while 2FA is on.
    public func enroll(_ agent: Agent) async throws -> Enrollment {
        guard !store.read({ $0.twoFactor.isEnabled(agent.id) }) else {
            throw EngineError.conflict("two-factor login is on; turn it off first")
        }
        var generator = SystemRandomNumberGenerator()
        let secret = Base32.encode((0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let codes = (0..<10).map { _ in String(format: "%08d", Int.random(in: 0..<100_000_000, using: &generator)) }
        try await store.commit(
            .twoFactorSecretIssued(agent.id, secret: secret, backupCodeHashes: codes.map(SecretGenerator.digest), at: .now()))
        // Key URI format: otpauth://totp/<issuer>:<account>?secret=…&issuer=…, each part
        // percent-encoded on its own (the colon between them stays).
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~@+"))
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        let label = "\(encoded(issuer)):\(encoded(agent.email))"
        let url = "otpauth://totp/\(label)?secret=\(secret)&issuer=\(encoded(issuer))&algorithm=SHA1&digits=6&period=30"
        return Enrollment(secret: secret, otpauthURL: url, backupCodes: codes)
    }

    /// Turns 2FA on with a first valid code of the pending secret.
    public func confirm(_ agent: AgentID, code: String) async throws {
        guard let account = store.read({ $0.twoFactor.accounts[agent] }), account.phase == .pending,
            let secret = Base32.decode(account.secret)
        else { throw EngineError.conflict("no pending two-factor secret; call enable first") }
        guard let step = TOTP.matchingStep(secret: secret, code: code, at: Self.now()) else {
            throw EngineError.validation("the code is not valid for the secret")
        }
        try await store.commit(.twoFactorEnabled(agent, step: step, at: .now()))
    }

    /// At login: passes when 2FA is off; else needs a TOTP code of a step not used before, or
    /// an unused backup code, and logs its use. Throws `TOTP_REQUIRED` otherwise.
    public func check(_ agent: AgentID, code: String?) async throws {
        guard let account = store.read({ $0.twoFactor.accounts[agent] }), account.phase == .enabled else { return }
        guard let code, !code.isEmpty else {
            throw EngineError(.totpRequired, "two-factor login is on: give totp_code (or a backup code)")
        }
        try await use(account, code: code)
    }

    /// Turns 2FA off with a current code (or a backup code).
    public func disable(_ agent: AgentID, code: String) async throws {
        guard let account = store.read({ $0.twoFactor.accounts[agent] }), account.phase != .disabled else {
            throw EngineError.conflict("two-factor login is off")
        }
        if account.phase == .enabled { try await use(account, code: code) }
        try await store.commit(.twoFactorDisabled(agent, at: .now()))
    }

    private func use(_ account: TwoFactorAccount, code: String) async throws {
        let trimmed = code.filter { !$0.isWhitespace && $0 != "-" }
        if let secret = Base32.decode(account.secret), let step = TOTP.matchingStep(secret: secret, code: trimmed, at: Self.now()) {
            guard step > account.lastStep else { throw EngineError(.totpRequired, "this code was used already; wait for the next") }
            try await store.commit(.twoFactorCodeUsed(account.agentID, step: step, backupCodeHash: nil, at: .now()))
            return
        }
        let hash = SecretGenerator.digest(trimmed)
        guard trimmed.count == 8, account.backupCodeHashes.contains(hash) else {
            throw EngineError(.totpRequired, "the two-factor code is not valid")
        }
        try await store.commit(.twoFactorCodeUsed(account.agentID, step: nil, backupCodeHash: hash, at: .now()))
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
