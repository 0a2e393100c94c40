import Foundation
import HTTPTypes
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

@Suite struct NativeAgentsTests {
    @Test func agentsStatusTypingAndAnalytics() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            _ = try await fixture.server.broker.directory.createAgent(
                site: site.id, username: "bob", email: "bob@shop.example", password: "correct horse", role: .agent)
            let (token, _) = try await client.login("owner-shop")
            let (_, session) = try await client.registerVisitor(site: siteID, id: "v1")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v1"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)
            _ = try await client.call(.patch, "/v1/conversations/\(conversation)/assign", json: ["agent_id": NativeID.format(owner.id)], bearer: token)

            let status = try await client.call(.patch, "/v1/agents/status", json: ["status": "away"], bearer: token)
            #expect(status.data["status"] as? String == "away")
            #expect(try await client.call(.patch, "/v1/agents/status", json: ["status": "sleeping"], bearer: token).status == .badRequest)
            #expect(try await client.call(.patch, "/v1/agents/status", json: ["status": "online"], visitor: session).status == .forbidden)

            let online = try await client.call(.get, "/v1/agents?site_id=\(siteID)&status=online", bearer: token)
            let agents = try #require(online.data["agents"] as? [[String: Any]])
            #expect(agents.map { $0["username"] as? String } == ["owner-shop"])
            #expect(agents.first?["active_conversations"] as? Int == 1)
            let offline = try await client.call(.get, "/v1/agents?site_id=\(siteID)&status=offline", bearer: token)
            #expect((offline.data["agents"] as? [[String: Any]])?.map { $0["username"] as? String } == ["bob"])
            #expect(try await client.call(.get, "/v1/agents?site_id=\(siteID)", visitor: session).status == .forbidden)

            let typing = try await client.call(.post, "/v1/typing", json: ["conversation_id": conversation, "is_typing": true], visitor: session)
            #expect(typing.status == .ok)
            #expect(typing.success)
            #expect(try await client.call(.post, "/v1/typing", json: ["conversation_id": conversation], visitor: session).status == .badRequest)
            #expect(try await client.call(.post, "/v1/typing", json: ["conversation_id": "conv_999", "is_typing": true], visitor: session).status == .notFound)

            _ = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "help"], visitor: session)
            _ = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "sure"], bearer: token)
            let dashboard = try await client.call(.get, "/v1/analytics/dashboard?site_id=\(siteID)&period=week", bearer: token)
            #expect(dashboard.data["total_conversations"] as? Int == 1)
            #expect(dashboard.data["messages_sent"] as? Int == 2)
            #expect(dashboard.data["average_response_time"] as? Int != nil)
            let performance = try await client.call(.get, "/v1/analytics/agents/\(NativeID.format(owner.id))", bearer: token)
            #expect(performance.data["messages_sent"] as? Int == 1)
            #expect(try await client.call(.get, "/v1/analytics/dashboard?site_id=\(siteID)&period=decade", bearer: token).status == .badRequest)
            let (rival, _) = try await fixture.makeTenant("rival")
            _ = rival
            let (rivalToken, _) = try await client.login("owner-rival")
            #expect(try await client.call(.get, "/v1/analytics/agents/\(NativeID.format(owner.id))", bearer: rivalToken).status == .notFound)
            #expect(try await client.call(.get, "/v1/analytics/dashboard?site_id=\(siteID)", bearer: rivalToken).status == .notFound)
        }
    }
}

@Suite struct NativeNotificationsTests {
    @Test func conversationsMessagesAndAssignmentsNotifyAgents() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            let (_, session) = try await client.registerVisitor(site: siteID, id: "v1", name: "John Doe")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v1"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)
            _ = try await client.call(.patch, "/v1/conversations/\(conversation)/assign", json: ["agent_id": NativeID.format(owner.id)], bearer: token)
            _ = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "Where is my order?"], visitor: session)

            let listed = try await client.call(.get, "/v1/notifications", bearer: token)
            let items = try #require(listed.data["notifications"] as? [[String: Any]])
            #expect(items.map { $0["type"] as? String } == ["new_message", "assigned", "new_conversation"])
            #expect(listed.data["unread_count"] as? Int == 3)
            #expect((items.last?["message"] as? String) == "John Doe started a new conversation")
            #expect((items.first?["data"] as? [String: Any])?["conversation_id"] as? String == conversation)
            let firstID = try #require(items.first?["id"] as? String)

            let one = try await client.call(.post, "/v1/notifications/read", json: ["notification_ids": [firstID]], bearer: token)
            #expect(one.data["marked_count"] as? Int == 1)
            let unread = try await client.call(.get, "/v1/notifications?unread_only=true", bearer: token)
            #expect((unread.data["notifications"] as? [[String: Any]])?.count == 2)
            let all = try await client.call(.post, "/v1/notifications/read", json: [:], bearer: token)
            #expect(all.data["marked_count"] as? Int == 2)
            #expect(try await client.call(.get, "/v1/notifications", bearer: token).data["unread_count"] as? Int == 0)
            #expect(try await client.call(.post, "/v1/notifications/read", json: ["notification_ids": ["n1"]], bearer: token).status == .badRequest)
            let tooMany = (1...1001).map { "notif_\($0)" }
            #expect(try await client.call(.post, "/v1/notifications/read", json: ["notification_ids": tooMany], bearer: token).status == .badRequest)
            let tooManyMessages = (1...1001).map { "msg_\($0)" }
            #expect(try await client.call(.post, "/v1/messages/read", json: ["conversation_id": conversation, "message_ids": tooManyMessages], visitor: session).status == .badRequest)
            #expect(try await client.call(.get, "/v1/notifications", visitor: session).status == .forbidden)
        }
    }
}

@Suite struct OpenAPIDocumentTests {
    @Test func theNativeDocumentIsServedAsJSONAndCoversTheRoutes() async throws {
        try await APIFixture.withAPI { _, client in
            let document = try await client.call(.get, "/v1/openapi.json")
            #expect(document.status == .ok)
            #expect(document.json["openapi"] as? String == "3.1.0")
            let paths = try #require(document.json["paths"] as? [String: Any])
            for path in ["/v1/auth/support/login", "/v1/visitors", "/v1/conversations/{conversation_id}", "/v1/messages",
                         "/v1/messages/read", "/v1/typing", "/v1/notifications", "/v1/agents", "/v1/analytics/dashboard"] {
                #expect(paths[path] != nil, "the document lacks \(path)")
            }
        }
    }

    @Test func theOperatorsDocumentIsServedUnderItsOwnPrefix() async throws {
        try await APIFixture.withAPI { _, client in
            let document = try await client.call(.get, "/operators/v1/openapi.json")
            #expect(document.status == .ok)
            let paths = try #require(document.json["paths"] as? [String: Any])
            #expect(Set(paths.keys) == ["/v1/clients/{clientId}", "/v1/operators", "/v1/chats/{chatId}", "/v1/chats/{chatId}/messages"])
        }
    }

    @Test func theOmniDocumentIsServedAsJSONAndCoversTheRoutes() async throws {
        try await APIFixture.withAPI { _, client in
            let document = try await client.call(.get, "/api/v1/openapi.json")
            #expect(document.status == .ok)
            #expect(document.json["openapi"] as? String == "3.1.0")
            let paths = try #require(document.json["paths"] as? [String: Any])
            for path in ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/conversations", "/api/v1/conversations/{conversation_id}",
                         "/api/v1/conversations/{conversation_id}/close", "/api/v1/conversations/{conversation_id}/assign",
                         "/api/v1/conversations/{conversation_id}/messages", "/api/v1/customers", "/api/v1/customers/{customer_id}",
                         "/api/v1/channels", "/api/v1/channels/{channel_id}", "/widget/v1/init", "/widget/v1/messages"] {
                #expect(paths[path] != nil, "the document lacks \(path)")
            }
        }
    }
}

@Suite struct NativeVisitorReadTests {
    @Test func visitorDetailsAndActiveVisitors() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            let registered = try await client.call(
                .post, "/v1/visitors", json: ["site_id": siteID, "visitor_id": "v_uuid_1", "name": "John", "metadata": ["page_url": "/p"]])
            let session = try #require(registered.data["session_token"] as? String)
            _ = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v_uuid_1"], visitor: session)

            let byClientID = try await client.call(.get, "/v1/visitors/v_uuid_1?site_id=\(siteID)", bearer: token)
            #expect(byClientID.data["id"] as? String == "visitor_1")
            #expect(byClientID.data["total_conversations"] as? Int == 1)
            #expect((byClientID.data["metadata"] as? [String: Any])?["page_url"] as? String == "/p")
            #expect(try await client.call(.get, "/v1/visitors/visitor_1", visitor: session).status == .ok)
            #expect(try await client.call(.get, "/v1/visitors/nobody", bearer: token).status == .notFound)
            #expect(try await client.call(.get, "/v1/visitors/v_uuid_1?site_id=site_x", bearer: token).status == .badRequest)
            #expect(try await client.call(.get, "/v1/visitors/v_uuid_1").status == .unauthorized)

            // Status and the active list are live presence: without a WebSocket session the
            // visitor is offline and not active, open conversation or not (the online side is in
            // ParleyRealtimeTests.NativePresenceTests, over real sockets).
            #expect(byClientID.data["status"] as? String == "offline")
            let active = try await client.call(.get, "/v1/visitors/active?site_id=\(siteID)", bearer: token)
            #expect(active.status == .ok)
            #expect(active.data["total"] as? Int == 0)
            #expect((active.data["visitors"] as? [Any])?.isEmpty == true)
            #expect(try await client.call(.get, "/v1/visitors/active", bearer: token).status == .badRequest)
            #expect(try await client.call(.get, "/v1/visitors/active?site_id=\(siteID)", visitor: session).status == .forbidden)
        }
    }
}
