import ParleyKnowledge
import Testing

/// Each format read from a committed sample with the real parser behind it.
@Suite struct TextExtractionTests {
    func text(_ name: String) async throws -> (DocumentFormat, String) {
        let bytes = try KnowledgeFixture.sample(name)
        let format = try DocumentFormat.detect(bytes, fileName: name)
        return (format, try await TextExtractor().text(bytes, format: format))
    }

    @Test func pdfThroughPdftotext() async throws {
        let (format, text) = try await text("returns.pdf")
        #expect(format == .pdf)
        #expect(text.contains("Возврат товаров возможен в течение 14 дней"))
        #expect(text.contains("Какие товары нельзя вернуть?"))
    }

    @Test func docxBodyWithoutDeletedRevisions() async throws {
        let (format, text) = try await text("shipping.docx")
        #expect(format == .docx)
        #expect(text.contains("We ship every order within two business days."))
        #expect(text.contains("How do I track my parcel?"))
        #expect(!text.contains("Obsoletewordzebra"))
    }

    @Test func htmlWithoutScriptsStylesOrHead() async throws {
        let (format, text) = try await text("payment.html")
        #expect(format == .html)
        #expect(text.contains("Мы принимаем банковские карты Visa, Mastercard и Мир"))
        #expect(text.contains("без переплаты"))
        for hidden in ["scriptwordpenguin", "stylewordgiraffe", "noscriptwordwalrus"] { #expect(!text.contains(hidden)) }
    }

    @Test func markdownRenderedThenRead() async throws {
        let (format, text) = try await text("warranty.md")
        #expect(format == .markdown)
        #expect(text.contains("Every device we sell carries a 12-month warranty"))
        #expect(text.contains("returns policy"))
        #expect(!text.contains("**"))
        #expect(!text.contains("https://example.com"))
    }

    @Test func plainText() async throws {
        let (format, text) = try await text("faq.txt")
        #expect(format == .text)
        #expect(text.contains("Можно ли отменить заказ?"))
    }

    @Test func whatCannotBeReadSaysWhy() async throws {
        // A damaged PDF: pdftotext's own complaint.
        let damaged = Array("%PDF-1.7\nthis is not a PDF body".utf8)
        await #expect(throws: ExtractionError.self) { try await TextExtractor().text(damaged, format: .pdf) }
        do {
            _ = try await TextExtractor().text(damaged, format: .pdf)
        } catch {
            guard case .unparsable(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.hasPrefix("pdftotext"))
        }
        // Formats that are not documents, and text that is not UTF-8.
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
        #expect(throws: ExtractionError.self) { try DocumentFormat.detect(png, fileName: "logo.png") }
        #expect(throws: ExtractionError.unsupported("a Word 97–2003 (.doc) file: save it as DOCX")) {
            try DocumentFormat.detect([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 1, 2], fileName: "old.doc")
        }
        await #expect(throws: ExtractionError.unparsable("the text is not UTF-8")) {
            try await TextExtractor().text([0x66, 0xFF, 0xFE, 0x41], format: .text)
        }
        // A ZIP that is not a DOCX; a DOCX-named file that is not one.
        #expect(throws: ExtractionError.self) { try DocumentFormat.detect(Array("plain".utf8), fileName: "x.docx") }
        await #expect(throws: ExtractionError.self) { try await TextExtractor().text([0x50, 0x4B, 0x03, 0x04, 1, 2, 3], format: .docx) }
        // No text at all.
        await #expect(throws: ExtractionError.unparsable("it contains no text")) {
            try await TextExtractor().text(Array("<html><script>x()</script></html>".utf8), format: .html)
        }
    }
}
