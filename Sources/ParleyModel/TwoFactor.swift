/// An agent's two-factor login (RFC 6238 TOTP; omni `/api/v1/auth/2fa/…`). Codec v8.
public struct TwoFactorAccount: Hashable, Sendable {
    public enum Phase: UInt8, Sendable, CaseIterable {
        /// A secret was issued; a first valid code turns it on.
        case pending = 1
        case enabled = 2
        case disabled = 3
    }

    public var agentID: AgentID
    public var phase: Phase
    /// The shared secret in base32 (RFC 4648, no padding), as authenticator apps take it.
    public var secret: String
    /// SHA-256 (hex) of the single-use backup codes not used yet.
    public var backupCodeHashes: [String]
    /// The newest TOTP step used: a code of this step or an older one is refused (replay).
    public var lastStep: UInt64
    public var updatedAt: Timestamp
    /// The LSN of the last record applied to it.
    public var lastLSN: UInt64

    public init(
        agentID: AgentID, phase: Phase, secret: String, backupCodeHashes: [String], lastStep: UInt64, updatedAt: Timestamp,
        lastLSN: UInt64 = 0
    ) {
        self.agentID = agentID
        self.phase = phase
        self.secret = secret
        self.backupCodeHashes = backupCodeHashes
        self.lastStep = lastStep
        self.updatedAt = updatedAt
        self.lastLSN = lastLSN
    }
}

/// The two-factor domain's state, composed by ``ParleyState``: a plain state machine over the
/// records 21–24, each counted against the account's LSN (replay changes nothing).
public struct TwoFactorState: Sendable {
    public private(set) var accounts: [AgentID: TwoFactorAccount] = [:]

    public init(accounts: [TwoFactorAccount] = []) {
        for account in accounts { self.accounts[account.agentID] = account }
    }

    public func isEnabled(_ agent: AgentID) -> Bool { accounts[agent]?.phase == .enabled }

    mutating func apply(_ event: Event, lsn: UInt64) -> Bool {
        let agent: AgentID
        switch event {
        case .twoFactorSecretIssued(let id, _, _, _), .twoFactorEnabled(let id, _, _), .twoFactorDisabled(let id, _),
            .twoFactorCodeUsed(let id, _, _, _):
            agent = id
        default:
            return false
        }
        if let known = accounts[agent], known.lastLSN >= lsn { return false }
        switch event {
        case .twoFactorSecretIssued(_, let secret, let hashes, let at):
            accounts[agent] = TwoFactorAccount(
                agentID: agent, phase: .pending, secret: secret, backupCodeHashes: hashes, lastStep: 0, updatedAt: at)
        case .twoFactorEnabled(_, let step, let at):
            guard var account = accounts[agent], account.phase == .pending else { return false }
            account.phase = .enabled
            account.lastStep = max(account.lastStep, step)
            account.updatedAt = at
            accounts[agent] = account
        case .twoFactorDisabled(_, let at):
            guard var account = accounts[agent] else { return false }
            account.phase = .disabled
            account.secret = ""
            account.backupCodeHashes = []
            account.updatedAt = at
            accounts[agent] = account
        case .twoFactorCodeUsed(_, let step, let backup, let at):
            guard var account = accounts[agent] else { return false }
            if let step { account.lastStep = max(account.lastStep, step) }
            if let backup { account.backupCodeHashes.removeAll { $0 == backup } }
            account.updatedAt = at
            accounts[agent] = account
        default:
            return false
        }
        accounts[agent]?.lastLSN = lsn
        return true
    }
}
