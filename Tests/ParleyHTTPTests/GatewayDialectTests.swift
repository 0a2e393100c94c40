import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

/// The livechat gateway (seed 001) over HTTP: operator messages, `itemUuid` dedupe, the
/// `idempotencyKey` field, its `ResponseWrapper`/`CdpErrorResponse`, and tenant isolation.
@Suite struct GatewayDialectTests {
    static func path(_ project: String, _ conversation: String) -> String {
        "/v1/projects/\(project)/livechat/conversations/\(conversation)/messages/operator"
    }

    static func error(_ response: Envelope) -> [String: Any] { response.json["error"] as? [String: Any] ?? [:] }
    static func fieldErrors(_ response: Envelope) -> [String] {
        (error(response)["fieldErrors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }

    @Test func operatorMessages() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let (rival, _) = try await fixture.makeTenant("rival")
            let (token, _) = try await client.login("owner-shop")
            let (rivalToken, _) = try await client.login("owner-rival")
            let siteID = NativeID.format(site.id)
            let (_, session) = try await client.registerVisitor(site: siteID, id: "v1")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v1"], visitor: session)
            let native = try #require(opened.data["id"] as? String)
            let conversation = try #require(NativeID.parse(native, as: ConversationID.self))
            let project = OmniID.format(site.id)
            let path = Self.path(project, OmniID.format(conversation))

            let sent = try await client.call(.post, path, json: ["itemUuid": "item-1", "text": "Hello from the desk"], bearer: token)
            #expect(sent.status == .ok && sent.json["success"] as? Bool == true && sent.json["error"] is NSNull)
            #expect(sent.data["seq"] as? Int == 1 && sent.data["senderType"] as? String == "operator")
            #expect(sent.data["operatorUuid"] as? String == OmniID.format(owner.id))
            #expect(sent.data["conversationUuid"] as? String == OmniID.format(conversation) && sent.data["projectUuid"] as? String == project)
            #expect(sent.data["duplicate"] as? Bool == false)

            // The same item again is the same message, stored once.
            let again = try await client.call(.post, path, json: ["itemUuid": "item-1", "text": "Hello from the desk"], bearer: token)
            #expect(again.status == .ok && again.data["duplicate"] as? Bool == true)
            #expect(again.data["messageUuid"] as? String == sent.data["messageUuid"] as? String)
            // The secret key writes as the system; the company, when given, is the project's.
            let keyed = try await client.call(
                .post, path, json: ["itemUuid": "item-2", "text": "Ticket #7 opened", "companyUuid": project],
                bearer: site.secretKey)
            #expect(keyed.status == .ok && keyed.data["senderType"] as? String == "system" && keyed.data["operatorUuid"] is NSNull)
            let history = try await client.call(.get, "/v1/messages?conversation_id=\(native)", bearer: token)
            #expect((history.data["messages"] as? [[String: Any]])?.map { $0["content"] as? String } == ["Hello from the desk", "Ticket #7 opened"])

            // idempotencyKey: the same body replays the first answer; another body is a 409.
            let first = try await client.call(.post, path, json: ["itemUuid": "item-3", "text": "Once", "idempotencyKey": "k-1"], bearer: token)
            let replay = try await client.call(.post, path, json: ["itemUuid": "item-3", "text": "Once", "idempotencyKey": "k-1"], bearer: token)
            #expect(first.status == .ok && replay.status == .ok)
            #expect(replay.data["messageUuid"] as? String == first.data["messageUuid"] as? String)
            #expect(replay.data["duplicate"] as? Bool == false, "the first answer, replayed as it was")
            let conflict = try await client.call(.post, path, json: ["itemUuid": "item-4", "text": "Other", "idempotencyKey": "k-1"], bearer: token)
            #expect(conflict.status == .conflict && Self.error(conflict)["code"] as? String == "CONFLICT")
            let mismatch = try await client.call(
                .post, path, json: ["itemUuid": "item-5", "text": "x", "idempotencyKey": "k-2"], bearer: token, headers: ["Idempotency-Key": "k-3"])
            #expect(mismatch.status == .badRequest && Self.fieldErrors(mismatch) == ["idempotencyKey"])
            let count = try await client.call(.get, "/v1/messages?conversation_id=\(native)", bearer: token)
            #expect((count.data["messages"] as? [[String: Any]])?.count == 3)

            // Validation: 400 VALIDATION_ERROR naming the field, each error with its own id.
            let bodies: [([String: Any], String)] = [
                (["text": "no item"], "itemUuid"), (["itemUuid": " ", "text": "x"], "itemUuid"),
                (["itemUuid": String(repeating: "i", count: 129), "text": "x"], "itemUuid"),
                (["itemUuid": "i"], "text"), (["itemUuid": "i", "text": "  "], "text"),
                (["itemUuid": "i", "text": "x", "companyUuid": "acme"], "companyUuid"),
                (["itemUuid": "i", "text": "x", "companyUuid": OmniID.format(rival.id)], "companyUuid"),
                (["itemUuid": "i", "text": "x", "idempotencyKey": ""], "idempotencyKey"),
            ]
            var errorIDs: Set<String> = []
            for (body, field) in bodies {
                let response = try await client.call(.post, path, json: body, bearer: token)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.json["success"] as? Bool == false && response.json["data"] is NSNull)
                #expect(Self.error(response)["code"] as? String == "VALIDATION_ERROR", "\(body)")
                #expect(Self.fieldErrors(response) == [field], "\(body)")
                #expect(Self.error(response)["timestamp"] is Int && Self.error(response)["message"] is String)
                if let id = Self.error(response)["errorId"] as? String { errorIDs.insert(id) }
            }
            #expect(errorIDs.count == bodies.count, "errorId is unique per error")
            let wrongType = try await client.call(.post, path, json: ["itemUuid": 5, "text": "x"], bearer: token)
            #expect(wrongType.status == .badRequest)
            for (projectText, conversationText, field) in [
                ("acme", OmniID.format(conversation), "projectUuid"), (project, native, "conversationUuid"),
                (project, project, "conversationUuid"), (OmniID.format(conversation), OmniID.format(conversation), "projectUuid"),
            ] {
                let response = try await client.call(.post, Self.path(projectText, conversationText), json: ["itemUuid": "i", "text": "x"], bearer: token)
                #expect(response.status == .badRequest && Self.fieldErrors(response) == [field], "\(projectText) \(conversationText)")
            }

            // Another tenant: its project, or this project's conversation, is a 404.
            let rivalProject = try await client.call(
                .post, Self.path(OmniID.format(rival.id), OmniID.format(conversation)), json: ["itemUuid": "i", "text": "x"], bearer: token)
            #expect(rivalProject.status == .notFound && Self.error(rivalProject)["code"] as? String == "NOT_FOUND")
            let probe = try await client.call(.post, path, json: ["itemUuid": "i", "text": "x"], bearer: rivalToken)
            #expect(probe.status == .notFound)
            let unknown = try await client.call(
                .post, Self.path(project, OmniID.format(ConversationID(999))), json: ["itemUuid": "i", "text": "x"], bearer: token)
            #expect(unknown.status == .notFound)
            // A group chat is not a livechat conversation.
            let group = try await fixture.server.broker.openGroupChat(
                site: site.id, owner: owner.id, name: "Team", members: [], isChannel: false, isPublic: false)
            #expect(try await client.call(.post, Self.path(project, OmniID.format(group.id)), json: ["itemUuid": "i", "text": "x"], bearer: token).status == .notFound)
            // Visitors are not operators; no credentials is a 401 in the wrapper.
            #expect(try await client.call(.post, path, json: ["itemUuid": "i", "text": "x"], visitor: session).status == .forbidden)
            let anonymous = try await client.call(.post, path, json: ["itemUuid": "i", "text": "x"])
            #expect(anonymous.status == .unauthorized && Self.error(anonymous)["code"] as? String == "UNAUTHORIZED")
        }
    }
}
