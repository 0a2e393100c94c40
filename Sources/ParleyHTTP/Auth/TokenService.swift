public import Crypto
import Foundation
import JWTKit
import ParleyLog
import ParleyStorage
public import ParleyModel

/// Access tokens: JWT HS256 (jwt-kit) with `exp`, `iat`, `aud`, a token type, the agent and
/// site, and the refresh-token family of the login (so logout voids them too).
public struct TokenService: Sendable {
    /// The audience every access token carries and every check demands.
    public static let audience = "parley"
    public let lifetime: Duration
    private let keys: JWTKeyCollection
    /// Signs opaque list cursors (the chats dialect's `cursor`): derived from the JWT secret,
    /// so a cursor outlives a restart and cannot be forged without the secret.
    public let cursorKey: SymmetricKey

    /// - Parameter secret: the HMAC key (at least 32 bytes).
    public init(secret: [UInt8], lifetime: Duration = .seconds(3600)) async {
        cursorKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret), info: Array("parley chats cursor".utf8), outputByteCount: 32)
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
    }

    /// The claims of a Parley access token.
    struct AccessClaims: JWTPayload {
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        /// Always `access`: refresh tokens are opaque, never JWTs.
        var typ: String
        var site: String
        var fam: UInt64

        /// Everything but the expiry, which `verify(_:)` checks itself so that an expired token
        /// with a valid signature can be told apart (`TOKEN_EXPIRED`).
        func verify(using algorithm: some JWTAlgorithm) async throws {
            try aud.verifyIntendedAudience(includes: TokenService.audience)
            guard typ == "access" else { throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "not an access token") }
        }
    }

    /// What a valid access token says.
    public struct Access: Sendable, Hashable {
        public var agent: AgentID
        public var site: SiteID
        public var family: UInt64
    }

    /// What checking an access token found.
    public enum Check: Sendable, Hashable {
        case valid(Access)
        /// Signed by us, of our audience and type, but past its `exp`.
        case expired
        /// Malformed, forged, of another audience or type, or signed with another algorithm.
        case invalid
    }

    public func issue(agent: AgentID, site: SiteID, family: UInt64) async throws -> String {
        // Whole seconds: `iat` and `exp` are NumericDates, and most JWT libraries expect integers.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let claims = AccessClaims(
            sub: SubjectClaim(value: NativeID.format(agent)), aud: AudienceClaim(value: [Self.audience]),
            exp: ExpirationClaim(value: now.addingTimeInterval(Double(lifetime.components.seconds))),
            iat: IssuedAtClaim(value: now), typ: "access", site: NativeID.format(site), fam: family)
        return try await keys.sign(claims)
    }

    /// The token's claims when it is valid; `.expired` when it is ours but past `exp`; `.invalid`
    /// when it is malformed, forged, of another audience or type, or signed with another
    /// algorithm (`alg: none` included).
    public func verify(_ token: String) async -> Check {
        guard let claims = try? await keys.verify(token, as: AccessClaims.self),
            let agent = NativeID.parse(claims.sub.value, as: AgentID.self),
            let site = NativeID.parse(claims.site, as: SiteID.self)
        else { return .invalid }
        guard (try? claims.exp.verifyNotExpired(currentDate: Date())) != nil else { return .expired }
        return .valid(Access(agent: agent, site: site, family: claims.fam))
    }

    /// The signing key: `configured` when given, else the one kept in `<data dir>/jwt-secret`
    /// (32 random bytes, created once with mode 0600 and kept across restarts).
    public static func loadOrCreateSecret(dataDirectory: String, configured: String?) throws -> [UInt8] {
        if let configured, !configured.isEmpty {
            guard configured.utf8.count >= 32 else { throw APIError.validation("the JWT secret must be at least 32 bytes") }
            return Array(configured.utf8)
        }
        let path = (dataDirectory as NSString).appendingPathComponent("jwt-secret")
        if let existing = FileManager.default.contents(atPath: path), existing.count >= 32 {
            return Array(existing)
        }
        var secret = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in secret.indices { secret[index] = generator.next() }
        try SecretFile.create(Data(secret), at: path, in: dataDirectory)
        return secret
    }
}
