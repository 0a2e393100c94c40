import Crypto
import Foundation

/// The chats list's opaque `cursor` (`meta.paginate.next_page`): where the last page ended,
/// for which query, signed so that a changed or forged cursor is refused (400).
///
/// Paging is by key, never by offset: the next page starts after the last chat shown, in the
/// list's order (`sort` value, then id), so chats created while a client pages neither repeat
/// nor push others out of its pages. The query fingerprint ties a cursor to the sort and
/// filters it was made for.
struct ChatsCursor: Hashable, Sendable {
    /// The last chat's sort value: its id, or its last-message time in ms.
    var sortValue: Int64
    /// The last chat's id (the tie-breaker when sort values are equal).
    var id: UInt64
    /// The query the cursor belongs to (``ChatsQuery/fingerprint``).
    var query: String

    private static let version = "c1"

    /// `<base64url payload>.<base64url tag>`, the tag a truncated HMAC-SHA256 of the payload.
    func encoded(key: SymmetricKey) -> String {
        let payload = Data("\(Self.version)|\(sortValue)|\(id)|\(query)".utf8)
        return Self.base64URL(payload) + "." + Self.base64URL(Self.tag(payload, key: key))
    }

    /// The cursor `text` encodes, if `key` signed it; `nil` for anything else.
    init?(_ text: String, key: SymmetricKey) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard text.utf8.count <= 512, parts.count == 2, let payload = Self.data(base64URL: parts[0]),
            let tag = Self.data(base64URL: parts[1]), tag.count == 16,
            // Compared in constant time: every byte, whatever the first difference.
            zip(Self.tag(payload, key: key), tag).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
        else { return nil }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0] == Self.version, let sortValue = Int64(fields[1]), let id = UInt64(fields[2]) else {
            return nil
        }
        self.init(sortValue: sortValue, id: id, query: String(fields[3]))
    }

    init(sortValue: Int64, id: UInt64, query: String) {
        self.sortValue = sortValue
        self.id = id
        self.query = query
    }

    /// The first 16 bytes of the payload's HMAC-SHA256.
    private static func tag(_ payload: Data, key: SymmetricKey) -> Data {
        Data(Data(HMAC<SHA256>.authenticationCode(for: payload, using: key)).prefix(16))
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func data(base64URL text: Substring) -> Data? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0.isBase64URL }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        // Only the canonical spelling: no two texts stand for one cursor.
        guard let data = Data(base64Encoded: base64), base64URL(data) == text else { return nil }
        return data
    }
}

extension UInt8 {
    fileprivate var isBase64URL: Bool {
        (48...57).contains(self) || (65...90).contains(self) || (97...122).contains(self) || self == 45 || self == 95
    }
}
