import Crypto
import CryptoExtras
import Foundation
import HummingbirdBcrypt
import ParleyModel

/// Password hashes: bcrypt (`$2b$…`, cost configurable) for new ones; scrypt hashes written by
/// earlier builds (`scrypt$N$r$p$salt$hash`) still verify.
public struct PasswordHasher: Sendable {
    /// The bcrypt cost (log2 rounds), 4…31. 12 by default; tests use 4.
    public var cost: UInt8

    public init(cost: UInt8 = 12) { self.cost = min(max(cost, 4), 31) }

    public func hash(_ password: String) throws -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Whether `password` matches `encoded`; `false` for a malformed hash.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        if encoded.hasPrefix("$2") { return Bcrypt.verify(password, hash: encoded) }
        return verifyScrypt(password, against: encoded)
    }

    private static func verifyScrypt(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let cost = Int(parts[1]), let blockSize = Int(parts[2]),
            let parallelism = Int(parts[3]), cost > 1, cost <= 1 << 20, blockSize > 0, blockSize <= 32,
            parallelism > 0, parallelism <= 16, let salt = Data(base64Encoded: String(parts[4])),
            let expected = Data(base64Encoded: String(parts[5])), !expected.isEmpty,
            let key = try? KDF.Scrypt.deriveKey(
                from: Data(password.utf8), salt: salt, outputByteCount: expected.count, rounds: cost,
                blockSize: blockSize, parallelism: parallelism)
        else { return false }
        let actual = key.withUnsafeBytes { Data($0) }
        return actual.count == expected.count && zip(actual, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Random secrets and their digests: site keys, opaque tokens.
public enum SecretGenerator {
    /// `prefix` followed by `bytes` random bytes (CSPRNG) in URL-safe base64 without padding.
    public static func token(prefix: String, bytes: Int = 24) -> String {
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8))
        let text = key.withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + text
    }

    /// Lower-case hex SHA-256 of a token: what the broker stores instead of the token.
    public static func digest(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }
}
