import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

/// The knowledge base over HTTP (omni): uploads of every format, who may change it, the
/// reasons a file is refused, search relevance and tenant isolation.
@Suite struct OmniKnowledgeTests {
    static func sample(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ParleyKnowledgeTests/Samples/\(name)")
        return Array(try Data(contentsOf: url))
    }

    static func upload(
        _ client: some TestClientProtocol, _ bytes: [UInt8], name: String, fields: [String: String], bearer: String
    ) async throws -> Envelope {
        let (type, body) = NativeFilesTests.multipart(bytes, name: name, fields: fields)
        let headers: HTTPFields = [.contentType: type, .authorization: "Bearer \(bearer)"]
        return try await client.execute(uri: "/api/v1/knowledge/documents", method: .post, headers: headers, body: body) { response in
            #expect(response.status.code < 500)
            return try Envelope(response)
        }
    }

    static func results(_ envelope: Envelope) -> [[String: Any]] { envelope.data["results"] as? [[String: Any]] ?? [] }

    @Test func uploadSearchAndDelete() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (_, token, rivalToken, agentToken) = try await fixture.shopRivalAndAgent(client)

            var ids: [String: String] = [:]
            for (file, title, format) in [
                ("returns.pdf", "Политика возврата", "pdf"), ("shipping.docx", "Shipping", "docx"), ("faq.txt", "FAQ", "text"),
                ("warranty.md", "Warranty", "markdown"), ("payment.html", "Оплата", "html"),
            ] {
                let made = try await Self.upload(client, try Self.sample(file), name: file, fields: ["title": title, "category": "help"], bearer: token)
                #expect(made.status == .created, "\(file): \(made.json)")
                #expect(made.data["format"] as? String == format && made.data["title"] as? String == title)
                #expect((made.data["passages"] as? Int ?? 0) >= 2, "\(file)")
                ids[file] = try #require(made.data["id"] as? String)
            }
            #expect(OmniID.parse(ids["returns.pdf"]!, as: KnowledgeDocumentID.self) != nil)
            let list = try await client.call(.get, "/api/v1/knowledge/documents?per_page=2", bearer: agentToken)
            #expect((list.json["data"] as? [[String: Any]])?.count == 2 && (list.json["meta"] as? [String: Any])?["total"] as? Int == 5)

            // Any agent of the site searches; the answer is ranked and grounded in the passage.
            let found = try await client.call(.post, "/api/v1/knowledge/search", json: ["query": "как вернуть товар", "limit": 3], bearer: agentToken)
            #expect(found.status == .ok)
            let first = try #require(Self.results(found).first)
            #expect(first["title"] as? String == "Политика возврата" && first["document_id"] as? String == ids["returns.pdf"])
            #expect((first["content"] as? String)?.contains("Возврат товаров") == true || (first["content"] as? String)?.contains("вернуть") == true)
            let score = try #require(first["score"] as? Double)
            #expect(score > 0 && score <= 1)
            let scores = Self.results(found).compactMap { $0["score"] as? Double }
            #expect(scores == scores.sorted(by: >))
            let english = try await client.call(.post, "/api/v1/knowledge/search", json: ["query": "track my parcel"], bearer: token)
            #expect(Self.results(english).first?["title"] as? String == "Shipping")

            // Other sites see nothing of it.
            let rival = try await client.call(.post, "/api/v1/knowledge/search", json: ["query": "вернуть товар"], bearer: rivalToken)
            #expect(rival.status == .ok && Self.results(rival).isEmpty)
            #expect(try await client.call(.get, "/api/v1/knowledge/documents/\(ids["faq.txt"]!)", bearer: rivalToken).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/knowledge/documents/\(ids["faq.txt"]!)", bearer: rivalToken).status == .notFound)

            // Only owners and admins change it.
            let refused = try await Self.upload(client, Array("text".utf8), name: "a.txt", fields: [:], bearer: agentToken)
            #expect(refused.status == .forbidden)
            #expect(try await client.call(.delete, "/api/v1/knowledge/documents/\(ids["returns.pdf"]!)", bearer: agentToken).status == .forbidden)

            // Deleted: gone from the list and the search.
            #expect(try await client.call(.delete, "/api/v1/knowledge/documents/\(ids["returns.pdf"]!)", bearer: token).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/knowledge/documents/\(ids["returns.pdf"]!)", bearer: token).status == .notFound)
            let after = try await client.call(.post, "/api/v1/knowledge/search", json: ["query": "возврат товаров", "limit": 10], bearer: token)
            #expect(!Self.results(after).contains { $0["document_id"] as? String == ids["returns.pdf"] })
        }
    }

    @Test func filesThatGiveNoTextAreRefusedWithTheReason() async throws {
        try await APIFixture.withAPI { fixture, client in
            _ = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let damaged = try await Self.upload(client, Array("%PDF-1.7\nnot really".utf8), name: "x.pdf", fields: [:], bearer: token)
            #expect(damaged.status == .unprocessableContent && damaged.json["code"] as? String == "UNPARSABLE_DOCUMENT")
            #expect((damaged.json["detail"] as? String)?.contains("pdftotext") == true)
            let png = try await Self.upload(client, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], name: "logo.png", fields: [:], bearer: token)
            #expect(png.status == .unprocessableContent && png.json["code"] as? String == "UNSUPPORTED_DOCUMENT")
            let latin1 = try await Self.upload(client, [0x63, 0x61, 0x66, 0xE9], name: "note.txt", fields: [:], bearer: token)
            #expect(latin1.status == .unprocessableContent && (latin1.json["detail"] as? String)?.contains("UTF-8") == true)
            let big = try await Self.upload(client, [UInt8](repeating: 0x61, count: 10 * 1024 * 1024 + 1), name: "big.txt", fields: [:], bearer: token)
            #expect(big.status == .badRequest && big.json["code"] as? String == "FILE_TOO_LARGE")
            let none = try await client.call(.post, "/api/v1/knowledge/documents", json: ["title": "x"], bearer: token)
            #expect(none.status == .unprocessableContent)
            let badQuery = try await client.call(.post, "/api/v1/knowledge/search", json: ["query": "  ", "limit": 3], bearer: token)
            #expect(badQuery.status == .unprocessableContent)
            let badLimit = try await client.call(.post, "/api/v1/knowledge/search", json: ["query": "x", "limit": 0], bearer: token)
            #expect(badLimit.status == .unprocessableContent)
            // Nothing was added by any of these.
            let list = try await client.call(.get, "/api/v1/knowledge/documents", bearer: token)
            #expect((list.json["meta"] as? [String: Any])?["total"] as? Int == 0)
        }
    }
}
