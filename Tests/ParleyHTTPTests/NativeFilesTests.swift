import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ParleyEngine
import ParleyModel
import ParleyServer
import ParleyStorage
import Testing

/// Files (seed 004 §6) over HTTP: byte-exact round trips at the limits, ranges, tokens,
/// sniffed types, tenant isolation, file messages, deletion.
@Suite struct NativeFilesTests {
    struct Download {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var bytes: [UInt8]
    }

    static func multipart(_ bytes: [UInt8], name: String, fields: [String: String] = [:]) -> (String, ByteBuffer) {
        let boundary = "parley-test-\(UInt32.random(in: 0...UInt32.max))"
        var body = ByteBuffer()
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n")
        body.writeString("Content-Type: application/octet-stream\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    static func upload(
        _ client: some TestClientProtocol, _ bytes: [UInt8], name: String = "file.bin", bearer: String? = nil, visitor: String? = nil,
        fields: [String: String] = [:]
    ) async throws -> Envelope {
        let (type, body) = multipart(bytes, name: name, fields: fields)
        var headers: HTTPFields = [.contentType: type]
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if let visitor { headers[HTTPField.Name("X-Visitor-Token")!] = visitor }
        return try await client.execute(uri: "/v1/files/upload", method: .post, headers: headers, body: body) { try Envelope($0) }
    }

    static func download(_ client: some TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws -> Download {
        try await client.execute(uri: uri, method: .get, headers: headers) { response in
            Download(status: response.status, headers: response.headers, bytes: Array(response.body.readableBytesView))
        }
    }

    @Test func roundTripsAtTheLimits() async throws {
        try await APIFixture.withAPI { fixture, client in
            _ = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            var generator = SystemRandomNumberGenerator()
            let tenMiB = 10 * 1024 * 1024
            var big = [UInt8](repeating: 0, count: tenMiB)
            big.replaceSubrange(0..<5, with: Array("%PDF-".utf8))
            for index in stride(from: 5, to: tenMiB, by: 4096) { big[index] = UInt8.random(in: 0...255, using: &generator) }
            for bytes in [[UInt8](), Array("a".utf8), Array("%PDF-1.7 tiny".utf8), big] {
                let made = try await Self.upload(client, bytes, name: "doc.pdf", bearer: token)
                #expect(made.status == .created, "\(bytes.count) bytes")
                #expect(made.data["size"] as? Int == bytes.count)
                let url = try #require(made.data["url"] as? String)
                let back = try await Self.download(client, "\(url)?token=\(token)")
                #expect(back.status == .ok && back.bytes == bytes, "\(bytes.count) bytes back byte-exact")
                #expect(back.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            // The bytes count toward the site's storage (billing): 10 MiB + 14 bytes + 1 byte.
            let usage = try await client.call(.get, "/api/v1/billing/usage", bearer: token)
            #expect((usage.data["storage"] as? [String: Any])?["used_mb"] as? Double == 10)
            var tooBig = big
            tooBig.append(0x20)
            let refused = try await Self.upload(client, tooBig, name: "doc.pdf", bearer: token)
            #expect(refused.status == .badRequest && refused.errorCode == "FILE_TOO_LARGE")
        }
    }

    @Test func typesRangesTokensTenantsMessagesAndDeletion() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            _ = try await fixture.makeTenant("rival")
            let (token, _) = try await client.login("owner-shop")
            let (rivalToken, _) = try await client.login("owner-rival")
            let siteID = NativeID.format(site.id)

            // The type comes from the bytes, not the name or the client's header.
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100)
            let image = try await Self.upload(client, png, name: "notes.txt", bearer: token, fields: ["site_id": siteID])
            #expect(image.status == .created && image.data["mime_type"] as? String == "image/png" && image.data["is_image"] as? Bool == true)
            for (bytes, name) in [
                (Array("<!DOCTYPE html><script>alert(1)</script>".utf8), "page.png"), ([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1], "tool.pdf"),
                ([0x00, 0x01, 0x02, 0xFF], "blob.bin"),
            ] {
                let refused = try await Self.upload(client, bytes, name: name, bearer: token)
                #expect(refused.status == .badRequest && refused.errorCode == "INVALID_FILE_TYPE", "\(name)")
            }
            #expect(try await Self.upload(client, png, bearer: token, fields: ["site_id": "site_999"]).status == .notFound)
            let (_, visitorSession) = try await client.registerVisitor(site: siteID, id: "v1")
            let text = Array("Order #1234: two mugs, one teapot.\n".utf8)
            let visitorFile = try await Self.upload(client, text, name: "order.txt", visitor: visitorSession)
            #expect(visitorFile.status == .created && visitorFile.data["mime_type"] as? String == "text/plain")
            #expect((visitorFile.data["uploaded_by"] as? [String: Any])?["type"] as? String == "visitor")
            let fileID = try #require(visitorFile.data["id"] as? String)

            // Ranges.
            let url = "/v1/files/\(fileID)/download"
            let first = try await Self.download(client, "\(url)?token=\(token)", headers: [.range: "bytes=0-4"])
            #expect(first.status == .partialContent && first.bytes == Array(text[0...4]))
            #expect(first.headers[.contentRange] == "bytes 0-4/\(text.count)")
            let tail = try await Self.download(client, "\(url)?token=\(token)", headers: [.range: "bytes=-7"])
            #expect(tail.status == .partialContent && tail.bytes == Array(text.suffix(7)))
            #expect(try await Self.download(client, "\(url)?token=\(token)", headers: [.range: "bytes=9999-"]).status == .rangeNotSatisfiable)

            // Tokens and tenants.
            #expect(try await Self.download(client, "\(url)?token=\(visitorSession)").bytes == text, "the uploader's session token")
            #expect(try await Self.download(client, "\(url)?token=forged").status == .unauthorized)
            #expect(try await Self.download(client, url).status == .unauthorized)
            #expect(try await Self.download(client, "\(url)?token=\(rivalToken)").status == .notFound)
            #expect(try await client.call(.get, "/v1/files/\(fileID)", bearer: rivalToken).status == .notFound)
            #expect(try await client.call(.delete, "/v1/files/\(fileID)", bearer: rivalToken).status == .notFound)
            #expect(try await client.call(.get, "/v1/files/file_0", bearer: token).status == .notFound)
            #expect(try await client.call(.get, "/v1/files/abc", bearer: token).status == .badRequest)
            let (_, otherVisitor) = try await client.registerVisitor(site: siteID, id: "v2")
            #expect(try await client.call(.get, "/v1/files/\(fileID)", visitor: otherVisitor).status == .notFound)

            // File messages name a stored file of the site; then the conversation's visitor may read it.
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v2"], visitor: otherVisitor)
            let conversation = try #require(opened.data["id"] as? String)
            let imageID = try #require(image.data["id"] as? String)
            let rivalImage = try await Self.upload(client, png, bearer: rivalToken)
            let rivalID = try #require(rivalImage.data["id"] as? String)
            for (file, status) in [(rivalID, HTTPResponse.Status.notFound), ("file_999", .notFound), (imageID, .created)] {
                let sent = try await client.call(
                    .post, "/v1/messages", json: ["conversation_id": conversation, "type": "image", "content": "", "file_id": file], bearer: token)
                #expect(sent.status == status, "\(file)")
                if status == .created { #expect(sent.data["file_id"] as? String == imageID) }
            }
            #expect(try await client.call(.get, "/v1/files/\(imageID)", visitor: otherVisitor).status == .ok)
            // Omni attachments name files of the same store (omni UUIDs).
            let omniConversation = OmniID.format(try #require(NativeID.parse(conversation, as: ConversationID.self)))
            let omniImage = OmniID.format(try #require(NativeID.parse(imageID, as: FileID.self)))
            let attached = try await client.call(
                .post, "/api/v1/conversations/\(omniConversation)/messages", json: ["content": "See the photo", "attachments": [omniImage]], bearer: token)
            #expect(attached.status == .created && attached.data["attachments"] as? [String] == [omniImage])
            let omniRival = OmniID.format(try #require(NativeID.parse(rivalID, as: FileID.self)))
            #expect(
                try await client.call(
                    .post, "/api/v1/conversations/\(omniConversation)/messages", json: ["content": "x", "attachments": [omniRival]], bearer: token
                ).status == .notFound)
            #expect(
                try await client.call(
                    .post, "/api/v1/conversations/\(omniConversation)/messages", json: ["content": "x", "attachments": [omniImage, omniImage]],
                    bearer: token
                ).status == .unprocessableContent)
            #expect(
                try await client.call(
                    .post, "/v1/messages", json: ["conversation_id": conversation, "type": "image", "content": "", "file_id": fileID], bearer: token
                ).status == .badRequest, "an image message needs an image")

            // Deleting removes the record and the bytes.
            let blob = fixture.server.store.read { $0.files.files[NativeID.parse(fileID, as: FileID.self)!]?.sha256 } ?? ""
            let blobPath = fixture.dataDirectory + "/blobs/\(blob.prefix(2))/\(blob)"
            #expect(FileManager.default.fileExists(atPath: blobPath))
            #expect(try await client.call(.delete, "/v1/files/\(fileID)", visitor: otherVisitor).status == .notFound)
            let deleted = try await client.call(.delete, "/v1/files/\(fileID)", visitor: visitorSession)
            #expect(deleted.status == .ok && deleted.json["message"] as? String == "File deleted successfully")
            #expect(!FileManager.default.fileExists(atPath: blobPath))
            #expect(try await client.call(.get, "/v1/files/\(fileID)", bearer: token).status == .notFound)
        }
    }

    /// A 600×300 PNG of four colour bands (made with Python's zlib; 1 KiB).
    static let bands = Array(Data(base64Encoded: """
        iVBORw0KGgoAAAANSUhEUgAAAlgAAAEsCAIAAACQX1rBAAADs0lEQVR42u3VQQ0AMAwDsSHpe/xRDE4hjEakWDKC+9x5MwBQ60gA
        gBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBEC
        gBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBECgBEC
        gBECYIQqAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAGCEAJA3Qg0A
        aGaEABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABgh
        ABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABgh
        ABghABghAEaoAgBGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCABGCACJ
        I9QAgGJGCIARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoAR
        AoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoARAoAR
        AoARAoARAoARAmCEKgBghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABghABg
        hAAQOMLdCwC1jBAAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQA
        IwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQAIwQA
        IwQAIwQAIwQAIwQAIwTACFUAwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgBwAgB
        wAgBwAgBIM8HCRrX5eYzauEAAAAASUVORK5CYII=
        """.replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: " ", with: ""))!)

    /// The width and height in a JPEG's start-of-frame segment.
    static func jpegSize(_ bytes: [UInt8]) -> (Int, Int)? {
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if (0xC0...0xC3).contains(marker) {
                return (Int(bytes[index + 7]) << 8 | Int(bytes[index + 8]), Int(bytes[index + 5]) << 8 | Int(bytes[index + 6]))
            }
            index += 2 + length
        }
        return nil
    }

    @Test func imagesGetARealThumbnail() async throws {
        try await APIFixture.withAPI { fixture, client in
            _ = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let made = try await Self.upload(client, Self.bands, name: "bands.png", bearer: token)
            #expect(made.status == .created && made.data["mime_type"] as? String == "image/png")
            let url = try #require(made.data["thumbnail_url"] as? String)
            let thumbnail = try await Self.download(client, "\(url)?token=\(token)")
            #expect(thumbnail.status == .ok && thumbnail.headers[.contentType] == "image/jpeg")
            #expect(Array(thumbnail.bytes.prefix(3)) == [0xFF, 0xD8, 0xFF], "a JPEG")
            let size = try #require(Self.jpegSize(thumbnail.bytes))
            #expect(size == (256, 128), "600×300 scaled to fit 256×256: \(size)")
            let text = try await Self.upload(client, Array("plain".utf8), name: "a.txt", bearer: token)
            #expect(text.data["thumbnail_url"] is NSNull)
            let textID = try #require(text.data["id"] as? String)
            #expect(try await Self.download(client, "/v1/files/\(textID)/thumbnail?token=\(token)").status == .notFound)
        }
    }
}
