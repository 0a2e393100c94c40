/// A file's content type, from its first bytes (never from the client's say-so); HTML and
/// executables are recognised so that they are only ever served as downloads.
public enum ContentSniffer {
    public static func sniff(_ head: [UInt8], name: String) -> String {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "image/gif" }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
        if starts(Array("%PDF-".utf8)) { return "application/pdf" }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) {
            return switch ext {
            case "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            default: "application/zip"
            }
        }
        if starts([0x7F, 0x45, 0x4C, 0x46]) || starts(Array("MZ".utf8)) || starts([0xCF, 0xFA, 0xED, 0xFE]) || starts([0xCE, 0xFA, 0xED, 0xFE])
            || starts([0xCA, 0xFE, 0xBA, 0xBE]) || starts(Array("#!".utf8))
        {
            return "application/x-executable"
        }
        // Text: valid UTF-8 without NUL bytes (a cut multi-byte character at the end is fine).
        let text = head.count >= 512 ? Array(head.prefix(508)) : head
        if !head.contains(0), String(validating: text, as: UTF8.self) != nil {
            let lowered = String(decoding: text.prefix(256), as: UTF8.self).lowercased().drop { $0.isWhitespace || $0 == "\u{FEFF}" }
            if lowered.hasPrefix("<!doctype html") || lowered.hasPrefix("<html") || lowered.hasPrefix("<script") || lowered.hasPrefix("<?xml")
                || lowered.hasPrefix("<svg") || lowered.hasPrefix("<head") || lowered.hasPrefix("<body")
            {
                return "text/html"
            }
            return switch ext {
            case "csv": "text/csv"
            case "md", "markdown": "text/markdown"
            default: "text/plain"
            }
        }
        return "application/octet-stream"
    }

    /// Whether a stored type may only ever be served as a download (HTML, executables, and
    /// anything not recognised).
    public static func isAttachmentOnly(_ contentType: String) -> Bool {
        ["text/html", "application/x-executable", "application/octet-stream"].contains(contentType)
    }

    /// The types accepted by default (configurable): images, PDF, office documents, archives
    /// and plain text; HTML and executables are not.
    public static let defaultAllowed: Set<String> = [
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/plain", "text/csv", "text/markdown",
    ]
}
