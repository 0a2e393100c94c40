import Foundation
import Ink
import ZIPFoundation

/// Extracted text out of an uploaded document, with real parsers for each format: `pdftotext`
/// (poppler-utils) for PDF, the DOCX archive's `word/document.xml` through libxml2, HTML through
/// libxml2's HTML parser, Markdown rendered by Ink and then read as HTML, plain text as UTF-8.
public struct TextExtractor: Sendable {
    /// The most text one document may give (UTF-8 bytes): the passages go into the log.
    public static let maxTextBytes = 4 << 20
    /// The most a DOCX body may inflate to (a ZIP bomb stops here).
    static let maxInflatedBytes = 64 << 20

    public var pdf: PDFTextTool

    public init(pdf: PDFTextTool = PDFTextTool()) {
        self.pdf = pdf
    }

    /// The text of `bytes` in `format`; blocks end with blank lines (``PassageSplitter``).
    public func text(_ bytes: [UInt8], format: DocumentFormat) async throws(ExtractionError) -> String {
        let text: String
        switch format {
        case .pdf: text = try await pdf.text(bytes)
        case .docx: text = try Self.docx(bytes)
        case .html: text = try MarkupText.html(bytes)
        case .markdown: text = try MarkupText.html(Array(MarkdownParser().html(from: try Self.utf8(bytes)).utf8))
        case .text: text = try Self.utf8(bytes)
        }
        guard text.utf8.count <= Self.maxTextBytes else {
            throw .unparsable("its text is longer than \(Self.maxTextBytes >> 20) MiB")
        }
        guard text.contains(where: { $0.isLetter || $0.isNumber }) else {
            throw .unparsable(format == .pdf ? "the PDF has no text layer (a scan?)" : "it contains no text")
        }
        return text
    }

    static func utf8(_ bytes: [UInt8]) throws(ExtractionError) -> String {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        guard let text = String(validating: body, as: UTF8.self) else { throw .unparsable("the text is not UTF-8") }
        return text
    }

    static func docx(_ bytes: [UInt8]) throws(ExtractionError) -> String {
        let archive: Archive
        do {
            archive = try Archive(data: Data(bytes), accessMode: .read)
        } catch {
            throw .unparsable("the ZIP container is damaged")
        }
        guard let entry = archive["word/document.xml"] else {
            throw .unsupported("a ZIP archive without word/document.xml (not a DOCX document)")
        }
        var xml: [UInt8] = []
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard xml.count + chunk.count <= maxInflatedBytes else { throw ExtractionError.unparsable("word/document.xml is too large") }
                xml.append(contentsOf: chunk)
            }
        } catch let error as ExtractionError {
            throw error
        } catch {
            throw .unparsable("word/document.xml could not be inflated")
        }
        return try MarkupText.docxBody(xml)
    }
}
