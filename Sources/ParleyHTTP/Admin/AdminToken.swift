public import Foundation
import Crypto
import ParleyStorage

/// The operator's token for the admin API (`/admin/v1`), kept in `<data dir>/admin-token`:
/// `adm_` and 64 hex digits, made once with mode 0600 and kept across restarts, so whoever may
/// read the data directory (the server's own user, root) may administer the running server.
/// `parley admin` reads it from there; nothing else hands it out.
public struct AdminToken: Sendable {
    public static let fileName = "admin-token"
    public let value: String

    public init(value: String) { self.value = value }

    public static func path(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent(fileName)
    }

    /// Whether `candidate` is this token (compared in constant time).
    public func matches(_ candidate: String) -> Bool {
        let expected = Array(SHA256.hash(data: Data(value.utf8)))
        let given = Array(SHA256.hash(data: Data(candidate.utf8)))
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The token in the data directory, or `nil` when there is none (or it cannot be read).
    public static func read(dataDirectory: String) -> AdminToken? {
        guard let data = FileManager.default.contents(atPath: path(dataDirectory: dataDirectory)),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            valid(text)
        else { return nil }
        return AdminToken(value: text)
    }

    /// The data directory's token, made (and fsynced with its directory) when there is none;
    /// a token file readable by others is narrowed to 0600 first.
    public static func loadOrCreate(dataDirectory: String) throws -> AdminToken {
        let path = path(dataDirectory: dataDirectory)
        if let existing = read(dataDirectory: dataDirectory) {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            return existing
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let token = AdminToken(value: "adm_" + bytes.map { String(format: "%02x", $0) }.joined())
        try SecretFile.create(Data((token.value + "\n").utf8), at: path, in: dataDirectory)
        return token
    }

    static func valid(_ text: String) -> Bool {
        text.hasPrefix("adm_") && text.utf8.count == 68 && text.utf8.dropFirst(4).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
