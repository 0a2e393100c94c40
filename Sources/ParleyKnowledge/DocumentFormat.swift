/// The formats the knowledge base reads (seed 003: PDF, DOCX, TXT, MD, HTML), told from the
/// bytes first and from the file name where bytes alone cannot tell (Markdown, HTML, plain text
/// are all text).
public enum DocumentFormat: String, Sendable, CaseIterable {
    case pdf, docx, html, markdown, text

    /// The format of `bytes` named `fileName`, or why it is not one the knowledge base reads.
    public static func detect(_ bytes: [UInt8], fileName: String) throws(ExtractionError) -> DocumentFormat {
        let name = fileName.lowercased()
        let ext = name.contains(".") ? String(name.split(separator: ".").last ?? "") : ""
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .docx }  // a ZIP: DOCX is checked when opened
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw .unsupported("a Word 97–2003 (.doc) file: save it as DOCX")
        }
        if bytes.prefix(4096).contains(0) { throw .unsupported("binary data that is not PDF or DOCX") }
        switch ext {
        case "html", "htm", "xhtml": return .html
        case "md", "markdown": return .markdown
        case "pdf", "docx": throw .unparsable("the file is named .\(ext) but its bytes are not \(ext.uppercased())")
        default:
            let head = String(decoding: bytes.prefix(512), as: UTF8.self).lowercased()
                .drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" })
            return head.hasPrefix("<!doctype html") || head.hasPrefix("<html") ? .html : .text
        }
    }
}

/// Why a file gave no text: an unknown format, or a known one that could not be read. Both
/// are the client's (422, naming the reason).
public enum ExtractionError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupported(String)
    case unparsable(String)
    /// The server cannot read the format right now (a tool is missing or failed to start).
    case unavailable(String)

    public var description: String {
        switch self {
        case .unsupported(let reason): "unsupported document format: \(reason)"
        case .unparsable(let reason): "the document could not be read: \(reason)"
        case .unavailable(let reason): reason
        }
    }
}
