import _CryptoExtras
import Crypto
import Foundation

/// scrypt password hashes in a self-describing text form: `scrypt$N$r$p$<salt b64>$<hash b64>`.
public struct PasswordHasher: Sendable {
    /// The CPU/memory cost (a power of two). 16384 by default; tests use less.
    public var cost: Int
    public var blockSize = 8
    public var parallelism = 1

    public init(cost: Int = 16_384) { self.cost = cost }

    public func hash(_ password: String) throws -> String {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        let key = try KDF.Scrypt.deriveKey(
            from: Data(password.utf8), salt: salt, outputByteCount: 32, rounds: cost, blockSize: blockSize,
            parallelism: parallelism)
        let hash = key.withUnsafeBytes { Data($0) }
        return "scrypt$\(cost)$\(blockSize)$\(parallelism)$\(salt.base64EncodedString())$\(hash.base64EncodedString())"
    }

    /// Whether `password` matches `encoded`; `false` for a malformed hash.
    public static func verify(_ password: String, against encoded: String) -> Bool {
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
        // Constant-time comparison.
        return zip(actual, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0 && actual.count == expected.count
    }
}

/// Random secrets: site keys and opaque tokens.
public enum SecretGenerator {
    /// `prefix` followed by `bytes` random bytes in URL-safe base64 without padding.
    public static func token(prefix: String, bytes: Int = 24) -> String {
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8))
        let text = key.withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + text
    }
}
