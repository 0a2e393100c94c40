import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

/// The operators dialect (seed 000) over HTTP: its bare integer ids, its error body, clients,
/// operators, a chat's status and end time, and the transcript — over the same conversation
/// the native dialect sees.
@Suite struct OperatorsDialectTests {
    @Test func clientsOperatorsAndChats() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            _ = try await fixture.makeTenant("rival")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            let (rivalToken, _) = try await client.login("owner-rival")
            let registered = try await client.call(
                .post, "/v1/visitors", json: ["site_id": siteID, "visitor_id": "v1", "name": "Vera", "email": "vera@example.org"])
            let visitorNumber = try #require((registered.data["id"] as? String).flatMap { NativeID.parse($0, as: VisitorID.self) }).rawValue
            let session = try #require(registered.data["session_token"] as? String)
            _ = try await client.registerVisitor(site: siteID, id: "v2", name: "Quiet")

            let found = try await client.call(.get, "/v1/clients/\(visitorNumber)", bearer: token)
            #expect(found.status == .ok)
            #expect(found.json["client_id"] as? Int == Int(visitorNumber))
            #expect(found.json["name"] as? String == "Vera" && found.json["contact_info"] as? String == "vera@example.org")
            #expect(try await client.call(.get, "/v1/clients/\(visitorNumber + 1)", bearer: token).json["contact_info"] as? String == "")
            for (path, status) in [("0", HTTPResponse.Status.notFound), ("01", .badRequest), ("-1", .badRequest), ("visitor_1", .badRequest),
                                   ("99999999999999999999", .badRequest)] {
                let response = try await client.call(.get, "/v1/clients/\(path)", bearer: token)
                #expect(response.status == status, "\(path)")
                #expect((response.json["error"] as? [String: Any])?["code"] is String, "the operators error body")
            }
            #expect(try await client.call(.get, "/v1/clients/\(visitorNumber)", bearer: rivalToken).status == .notFound)
            #expect(try await client.call(.get, "/v1/clients/\(visitorNumber)").status == .unauthorized)

            // An operator: an agent of the site, seen natively.
            let made = try await client.call(.post, "/v1/operators", json: ["name": "Olly", "status": "busy"], bearer: token)
            #expect(made.status == .created)
            #expect(made.json["name"] as? String == "Olly" && made.json["status"] as? String == "busy")
            let operatorID = try #require(made.json["operator_id"] as? Int)
            let agents = try await client.call(.get, "/v1/agents?site_id=\(siteID)", bearer: token)
            #expect((agents.data["agents"] as? [[String: Any]])?.contains { $0["id"] as? String == "user_\(operatorID)" && $0["status"] as? String == "busy" } == true)
            for body: [String: Any] in [[:], ["name": " "], ["name": "X", "status": "asleep"]] {
                #expect(try await client.call(.post, "/v1/operators", json: body, bearer: token).status == .badRequest, "\(body)")
            }
            _ = try await fixture.server.broker.directory.createAgent(
                site: site.id, username: "bob", email: "bob@shop.example", password: "correct horse", role: .agent)
            let (bobToken, _) = try await client.login("bob")
            #expect(try await client.call(.post, "/v1/operators", json: ["name": "Eve"], bearer: bobToken).status == .forbidden)

            // A chat: written natively, read and closed here.
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v1"], visitor: session)
            let native = try #require(opened.data["id"] as? String)
            let chat = try #require(NativeID.parse(native, as: ConversationID.self)).rawValue
            _ = try await client.call(.post, "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "Hello"], visitor: session)
            _ = try await client.call(.post, "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "Hi Vera"], bearer: token)
            let transcript = try await client.call(.get, "/v1/chats/\(chat)/messages", bearer: token)
            #expect(transcript.json["chat_id"] as? Int == Int(chat))
            let messages = try #require(transcript.json["messages"] as? [[String: Any]])
            #expect(messages.map { $0["sender_type"] as? String } == ["client", "operator"])
            #expect(messages.map { $0["content"] as? String } == ["Hello", "Hi Vera"])
            #expect(messages.allSatisfy { $0["message_id"] is Int && $0["sent_time"] is String })

            let start = try #require(fixture.server.broker.conversation(ConversationID(chat))).createdAt
            for body: [String: Any] in [
                ["status": "closed", "end_time": Timestamp(milliseconds: start.milliseconds - 60_000).rfc3339],
                ["status": "closed", "end_time": Timestamp(milliseconds: Timestamp.now().milliseconds + 3_600_000).rfc3339],
                ["status": "closed", "end_time": "yesterday"], ["status": "archived"], ["status": "open", "end_time": start.rfc3339],
            ] {
                #expect(try await client.call(.patch, "/v1/chats/\(chat)", json: body, bearer: token).status == .badRequest, "\(body)")
            }
            #expect(try await client.call(.patch, "/v1/chats/\(chat)", json: ["status": "closed"], bearer: rivalToken).status == .notFound)
            let end = Timestamp.now()
            let closed = try await client.call(.patch, "/v1/chats/\(chat)", json: ["status": "closed", "end_time": end.rfc3339], bearer: token)
            #expect(closed.status == .ok)
            #expect(closed.json["status"] as? String == "closed")
            #expect(closed.json["end_time"] as? String == end.rfc3339)
            // One model: closed natively too; reopening is refused.
            let seen = try await client.call(.get, "/v1/conversations/\(native)", bearer: token)
            #expect(seen.data["status"] as? String == "closed")
            #expect(try await client.call(.patch, "/v1/chats/\(chat)", json: ["status": "open"], bearer: token).status == .conflict)
            #expect(try await client.call(.get, "/v1/chats/0/messages", bearer: token).status == .notFound)
            #expect(try await client.call(.get, "/v1/chats/\(chat)/messages", bearer: rivalToken).status == .notFound)
        }
    }
}
