import Foundation
import HTTPTypes
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

@Suite struct NativeResourceTests {
    @Test func visitorRegistrationIsIdempotentPerVisitorID() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let body: [String: Any] = ["site_id": siteID, "visitor_id": "v_uuid_1", "name": "John", "metadata": ["page_url": "/p"]]
            let first = try await client.call(.post, "/v1/visitors", json: body)
            #expect(first.status == .created)
            let again = try await client.call(.post, "/v1/visitors", json: body)
            #expect(again.status == .ok)
            #expect(again.data["id"] as? String == first.data["id"] as? String)
            #expect(again.data["session_token"] as? String != first.data["session_token"] as? String)
            #expect((first.data["session_token"] as? String)?.utf8.count ?? 0 >= 32)
            var bad = body
            bad["metadata"] = "not an object"
            #expect(try await client.call(.post, "/v1/visitors", json: bad).status == .badRequest)
            bad = body
            bad["site_id"] = "site_999"
            #expect(try await client.call(.post, "/v1/visitors", json: bad).status == .notFound)
            bad["site_id"] = "shop"
            #expect(try await client.call(.post, "/v1/visitors", json: bad).status == .badRequest)
            bad = body
            bad["name"] = 42
            #expect(try await client.call(.post, "/v1/visitors", json: bad).errorCode == "VALIDATION_ERROR")
            #expect(try await client.call(.post, "/v1/visitors", raw: "{").status == .badRequest)
            #expect(try await client.call(.post, "/v1/visitors").status == .badRequest)
        }
    }

    @Test func aConversationFromWidgetToAgentAndBack() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            let (visitorID, session) = try await client.registerVisitor(site: siteID, id: "v_uuid_1")
            #expect(visitorID == "visitor_1")

            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v_uuid_1"], visitor: session)
            #expect(opened.status == .created)
            #expect(opened.data["status"] as? String == "active")
            let conversation = try #require(opened.data["id"] as? String)

            // The visitor writes twice, with a repeated client id the second time.
            let first = try await client.call(
                .post, "/v1/messages", json: ["conversation_id": conversation, "content": "Hello", "type": "text", "client_message_id": "c1"],
                visitor: session)
            #expect(first.status == .created)
            #expect(first.data["seq"] as? Int == 1)
            #expect(first.data["from"] as? String == "visitor")
            let repeated = try await client.call(
                .post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "Hello", "client_message_id": "c1"], visitor: session)
            #expect(repeated.data["id"] as? String == first.data["id"] as? String)
            let conflicting = try await client.call(
                .post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "Other", "client_message_id": "c1"], visitor: session)
            #expect(conflicting.status == .conflict)

            // The agent answers with an Idempotency-Key.
            let answer = try await client.call(
                .post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "Hi!"], bearer: token,
                headers: ["Idempotency-Key": "k-1"])
            #expect(answer.data["from"] as? String == "support")
            #expect(answer.data["seq"] as? Int == 2)
            let answerAgain = try await client.call(
                .post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "Hi!"], bearer: token,
                headers: ["Idempotency-Key": "k-1"])
            #expect(answerAgain.data["id"] as? String == answer.data["id"] as? String)

            // Unread counts and read status come from cursors.
            let listed = try await client.call(.get, "/v1/conversations?site_id=\(siteID)", bearer: token)
            let summaries = try #require((listed.data["conversations"] as? [[String: Any]]))
            #expect(summaries.first?["unread_count"] as? Int == 1)
            let read = try await client.call(.post, "/v1/messages/read", json: ["conversation_id": conversation], visitor: session)
            #expect(read.data["marked_count"] as? Int == 1)
            let history = try await client.call(.get, "/v1/messages?conversation_id=\(conversation)", visitor: session)
            let messages = try #require(history.data["messages"] as? [[String: Any]])
            #expect(messages.map { $0["seq"] as? Int } == [1, 2])
            #expect(messages.map { $0["status"] as? String } == ["sent", "read"])
            // Once the staff side fetches the history, the visitor's message is delivered.
            _ = try await client.call(.get, "/v1/messages?conversation_id=\(conversation)", bearer: token)
            let afterFetch = try await client.call(.get, "/v1/messages?conversation_id=\(conversation)", visitor: session)
            let statuses = (afterFetch.data["messages"] as? [[String: Any]])?.map { $0["status"] as? String }
            #expect(statuses == ["delivered", "read"])

            // Assign and close.
            let assigned = try await client.call(
                .patch, "/v1/conversations/\(conversation)/assign", json: ["agent_id": NativeID.format(owner.id)], bearer: token)
            #expect((assigned.data["assigned_agent"] as? [String: Any])?["id"] as? String == NativeID.format(owner.id))
            let details = try await client.call(.get, "/v1/conversations/\(conversation)", bearer: token)
            #expect((details.data["messages"] as? [[String: Any]])?.count == 2)
            #expect(details.data["has_more_messages"] as? Bool == false)
            let closed = try await client.call(.patch, "/v1/conversations/\(conversation)/close", json: [:], bearer: token)
            #expect(closed.data["status"] as? String == "closed")
            #expect(closed.data["closed_by"] as? String == NativeID.format(owner.id))
            let late = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "late"], visitor: session)
            #expect(late.status == .conflict)
            let closedList = try await client.call(.get, "/v1/conversations?site_id=\(siteID)&status=closed", bearer: token)
            #expect((closedList.data["pagination"] as? [String: Any])?["total"] as? Int == 1)
        }
    }

    @Test func historyPagesByMessageID() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let (_, session) = try await client.registerVisitor(site: NativeID.format(site.id), id: "v1")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": NativeID.format(site.id), "visitor_id": "v1"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)
            var ids: [String] = []
            for index in 1...12 {
                let sent = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "m\(index)"], visitor: session)
                ids.append(sent.data["id"] as? String ?? "")
            }
            func seqs(_ query: String) async throws -> ([Int], Bool) {
                let page = try await client.call(.get, "/v1/messages?conversation_id=\(conversation)&\(query)", visitor: session)
                return (((page.data["messages"] as? [[String: Any]]) ?? []).compactMap { $0["seq"] as? Int }, page.data["has_more"] as? Bool ?? false)
            }
            #expect(try await seqs("limit=5") == ([8, 9, 10, 11, 12], true))
            #expect(try await seqs("limit=5&before=\(ids[7])") == ([3, 4, 5, 6, 7], true))
            #expect(try await seqs("limit=5&before=\(ids[2])") == ([1, 2], false))
            #expect(try await seqs("limit=5&after=\(ids[8])") == ([10, 11, 12], false))
            for bad in ["limit=0", "limit=1000", "limit=x", "before=msg_x", "before=\(ids[1])&after=\(ids[2])"] {
                let page = try await client.call(.get, "/v1/messages?conversation_id=\(conversation)&\(bad)", visitor: session)
                #expect(page.status == .badRequest, "\(bad)")
            }
            #expect(try await client.call(.get, "/v1/messages?conversation_id=\(conversation)&before=msg_999999", visitor: session).status == .notFound)
        }
    }

    @Test func limitsAnswerWithTheEnvelope() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let (_, session) = try await client.registerVisitor(site: NativeID.format(site.id), id: "v1")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": NativeID.format(site.id), "visitor_id": "v1"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)
            let tooLong = String(repeating: "a", count: 16 * 1024 + 1)
            let long = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": tooLong], visitor: session)
            #expect(long.status == .contentTooLarge)
            #expect(long.errorCode == "PAYLOAD_TOO_LARGE")
            let huge = try await client.call(
                .post, "/v1/messages", raw: #"{"conversation_id":"\#(conversation)","content":""# + String(repeating: "b", count: 1 << 21) + #""}"#,
                visitor: session)
            #expect(huge.status == .contentTooLarge)
            #expect(try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "content": "x", "type": "video"], visitor: session).status == .badRequest)
            #expect(try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "file"], visitor: session).status == .badRequest)
            #expect(try await client.call(.get, "/v1/no-such-route").errorCode == "NOT_FOUND")
            #expect(try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "x"]).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/conversations/conv_99999999999999999999999", visitor: session).status == .badRequest)
            // Found by schemathesis: parameters are checked even when include_messages=false moots them.
            for query in ["include_messages=false&messages_before=__main__", "include_messages=false&messages_limit=0", "include_messages=maybe"] {
                #expect(try await client.call(.get, "/v1/conversations/\(conversation)?\(query)", visitor: session).status == .badRequest, "\(query)")
            }
        }
    }

    /// Every object route, called by another tenant's agent or another visitor: 404, never 403.
    @Test func anotherTenantsObjectsAreNotFound() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (shop, shopOwner) = try await fixture.makeTenant("shop")
            let (rival, _) = try await fixture.makeTenant("rival")
            let shopID = NativeID.format(shop.id)
            let (visitorID, session) = try await client.registerVisitor(site: shopID, id: "v1")
            let (_, otherSession) = try await client.registerVisitor(site: shopID, id: "v2")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": shopID, "visitor_id": "v1"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)
            let sent = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "mine"], visitor: session)
            let message = try #require(sent.data["id"] as? String)
            let (rivalToken, _) = try await client.login("owner-rival")
            let rivalKey = rival.secretKey

            for credentials in [(bearer: rivalToken as String?, visitor: nil as String?), (rivalKey, nil), (nil, otherSession)] {
                let routes: [(HTTPRequest.Method, String, [String: Any]?)] = [
                    (.get, "/v1/sites/\(shopID)", nil),
                    (.get, "/v1/visitors/\(visitorID)?site_id=\(shopID)", nil),
                    (.get, "/v1/visitors/v1", nil),
                    (.get, "/v1/visitors/active?site_id=\(shopID)", nil),
                    (.get, "/v1/conversations/\(conversation)", nil),
                    (.get, "/v1/conversations?site_id=\(shopID)", nil),
                    (.patch, "/v1/conversations/\(conversation)/close", [:]),
                    (.patch, "/v1/conversations/\(conversation)/assign", ["agent_id": NativeID.format(shopOwner.id)]),
                    (.post, "/v1/conversations", ["site_id": shopID, "visitor_id": "v1"]),
                    (.post, "/v1/messages", ["conversation_id": conversation, "content": "intrusion"]),
                    (.get, "/v1/messages?conversation_id=\(conversation)", nil),
                    (.post, "/v1/messages/read", ["conversation_id": conversation, "message_ids": [message]]),
                ]
                for (method, uri, body) in routes {
                    let response = try await client.call(method, uri, json: body, bearer: credentials.bearer, visitor: credentials.visitor)
                    // Visitors hit agent-only routes as 403 (the route, not the object, is off limits).
                    let expected: Set<Int> = credentials.visitor != nil ? [403, 404] : [404]
                    #expect(expected.contains(response.status.code), "\(method) \(uri) → \(response.status)")
                }
            }
            // Nothing changed in the shop's conversation.
            let (token, _) = try await client.login("owner-shop")
            let history = try await client.call(.get, "/v1/messages?conversation_id=\(conversation)", bearer: token)
            #expect((history.data["messages"] as? [[String: Any]])?.count == 1)
            #expect(try await client.call(.get, "/v1/conversations/\(conversation)", bearer: token).data["status"] as? String == "active")
        }
    }

    @Test func sitesShowTheSecretKeyOnlyToOwnersAndAdmins() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            _ = try await fixture.server.broker.directory.createAgent(
                site: site.id, username: "agent", email: "agent@shop.example", password: "correct horse", role: .agent)
            let siteID = NativeID.format(site.id)
            let (ownerToken, _) = try await client.login("owner-shop")
            let (agentToken, _) = try await client.login("agent")
            #expect(try await client.call(.get, "/v1/sites/\(siteID)", bearer: ownerToken).data["secret_key"] as? String == site.secretKey)
            let asAgent = try await client.call(.get, "/v1/sites/\(siteID)", bearer: agentToken)
            #expect(asAgent.data["secret_key"] == nil)
            #expect(asAgent.data["public_key"] as? String == site.publicKey)
            #expect(try await client.call(.get, "/v1/sites/\(siteID)", bearer: site.publicKey).status == .forbidden)
            let list = try await client.call(.get, "/v1/sites", bearer: agentToken)
            #expect((list.data["sites"] as? [[String: Any]])?.count == 1)
        }
    }
}
