import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ParleyEngine
import ParleyModel
import ParleyServer
import ParleyStorage
import Testing

/// Widget uploads: a customer's file goes into the one file store and is sent with a message;
/// the checks are the store's, and another customer's file cannot be sent.
@Suite struct WidgetUploadTests {
    static func upload(_ client: some TestClientProtocol, _ bytes: [UInt8], name: String, query: String) async throws -> Envelope {
        let (type, body) = NativeFilesTests.multipart(bytes, name: name)
        return try await client.execute(uri: "/widget/v1/files?\(query)", method: .post, headers: [.contentType: type], body: body) {
            #expect($0.status.code < 500)
            return try Envelope($0)
        }
    }

    @Test func aCustomerSendsAFile() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let key = site.publicKey
            let started = try await client.call(.post, "/widget/v1/init", json: ["api_key": key, "session_id": "browser-session-1"])
            let sessionToken = try #require(started.data["session_token"] as? String)
            _ = try await client.call(.post, "/widget/v1/init", json: ["api_key": key, "session_id": "browser-session-2"])

            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100)
            let made = try await Self.upload(client, png, name: "receipt.png", query: "api_key=\(key)&session_id=browser-session-1")
            #expect(made.status == .created && made.data["mime_type"] as? String == "image/png" && made.data["is_image"] as? Bool == true)
            let file = try #require(made.data["id"] as? String)
            #expect(OmniID.parse(file, as: FileID.self) != nil)

            // Sent with a message: an image message with the attachment, in the history, for the team too.
            let sent = try await client.call(
                .post, "/widget/v1/messages", json: ["api_key": key, "session_id": "browser-session-1", "content": "My receipt", "attachments": [file]])
            #expect(sent.status == .created && sent.data["attachments"] as? [String] == [file], "\(sent.json)")
            let conversation = try #require(sent.data["conversation_id"] as? String)
            let history = try await client.call(.get, "/api/v1/conversations/\(conversation)/messages", bearer: token)
            #expect((history.json["data"] as? [[String: Any]])?.last?["attachments"] as? [String] == [file])

            // The customer downloads it with its session token, byte for byte.
            let url = try #require(made.data["url"] as? String)
            let bytes = try await client.execute(uri: "\(url)?token=\(sessionToken)", method: .get) { Array($0.body.readableBytesView) }
            #expect(bytes == png)

            // Another customer cannot send it; the store's checks hold.
            let stolen = try await client.call(
                .post, "/widget/v1/messages", json: ["api_key": key, "session_id": "browser-session-2", "content": "mine", "attachments": [file]])
            #expect(stolen.status == .notFound)
            let elf = try await Self.upload(client, [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1], name: "a.pdf", query: "api_key=\(key)&session_id=browser-session-1")
            #expect(elf.status == .badRequest && elf.json["code"] as? String == "INVALID_FILE_TYPE")
            let big = try await Self.upload(
                client, [UInt8](repeating: 0x61, count: 10 * 1024 * 1024 + 1), name: "big.txt", query: "api_key=\(key)&session_id=browser-session-1")
            #expect(big.status == .badRequest && big.json["code"] as? String == "FILE_TOO_LARGE")
            #expect(try await Self.upload(client, png, name: "x.png", query: "api_key=\(key)&session_id=never-initialised").status == .notFound)
            #expect(try await Self.upload(client, png, name: "x.png", query: "api_key=pk_nope&session_id=browser-session-1").status == .unauthorized)
            // Only the first upload was stored.
            #expect(fixture.server.broker.store.read { $0.files.files.count } == 1)
        }
    }
}
