import Foundation

/// The demo shop page of `parley serve --demo`: the page template with the demo site's widget
/// key and the demo agent's login filled in, every value HTML-escaped.
public struct DemoPage: Sendable {
    public let publicKey: String
    public let username: String
    public let password: String

    public init(publicKey: String, username: String, password: String) {
        self.publicKey = publicKey
        self.username = username
        self.password = password
    }

    /// The page as served from `origin` (`http://host:port`, shown in the embed snippet).
    public func render(origin: String) -> String {
        WebAsset.demoPage.text
            .replacingOccurrences(of: "{{PUBLIC_KEY}}", with: Self.escape(publicKey))
            .replacingOccurrences(of: "{{ORIGIN}}", with: Self.escape(origin))
            .replacingOccurrences(of: "{{USERNAME}}", with: Self.escape(username))
            .replacingOccurrences(of: "{{PASSWORD}}", with: Self.escape(password))
    }

    /// Text as HTML text or a quoted attribute value.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
