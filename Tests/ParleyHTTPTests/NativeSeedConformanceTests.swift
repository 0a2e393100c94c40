import Foundation
import HTTPTypes
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

/// Where the native dialect once departed from seed 004 and CONTRACT §7, each checked over HTTP:
/// required fields, the sites list's paging, `last_seen` and `customer_satisfaction`, and the
/// line between a malformed id (400) and a well-formed one that names nothing (404).
@Suite struct NativeSeedConformanceTests {
    @Test func openingAConversationRequiresTheVisitorID() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            let (visitorID, session) = try await client.registerVisitor(site: siteID, id: "v1")
            _ = try await client.registerVisitor(site: siteID, id: "v2")

            for body: [String: Any] in [["site_id": siteID], ["site_id": siteID, "visitor_id": ""], ["site_id": siteID, "visitor_id": NSNull()]] {
                let asVisitor = try await client.call(.post, "/v1/conversations", json: body, visitor: session)
                #expect(asVisitor.status == .badRequest)
                #expect(asVisitor.errorCode == "VALIDATION_ERROR")
                let asAgent = try await client.call(.post, "/v1/conversations", json: body, bearer: token)
                #expect(asAgent.status == .badRequest)
            }
            // A visitor names itself (client id or native id); another visitor is a 404.
            let other = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v2"], visitor: session)
            #expect(other.status == .notFound)
            #expect(fixture.server.broker.conversations(site: site.id).isEmpty, "no conversation opened by a refused request")
            let own = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": visitorID], visitor: session)
            #expect(own.status == .created)
            #expect(own.data["visitor_id"] as? String == "v1")
        }
    }

    @Test func sendingRequiresTheTypeAndFileMessagesNameAStoredFile() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (_, session) = try await client.registerVisitor(site: siteID, id: "v1")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v1"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)

            let untyped = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "content": "Hi"], visitor: session)
            #expect(untyped.status == .badRequest)
            #expect(untyped.errorCode == "VALIDATION_ERROR")
            let nullType = try await client.call(
                .post, "/v1/messages", json: ["conversation_id": conversation, "content": "Hi", "type": NSNull()], visitor: session)
            #expect(nullType.status == .badRequest)
            // file/image: a missing or malformed file_id is a 400; a well-formed one names no
            // stored file (there is no file store yet), so a 404, never a message accepted blind.
            for type in ["file", "image"] {
                let missing = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": type], visitor: session)
                #expect(missing.status == .badRequest)
                for malformed in ["file_01", "file_-1", "msg_1", "file_18446744073709551616"] {
                    let response = try await client.call(
                        .post, "/v1/messages", json: ["conversation_id": conversation, "type": type, "file_id": malformed], visitor: session)
                    #expect(response.status == .badRequest, "\(malformed)")
                }
                for named in ["file_1", "file_0", "file_42"] {
                    let response = try await client.call(
                        .post, "/v1/messages", json: ["conversation_id": conversation, "type": type, "file_id": named], visitor: session)
                    #expect(response.status == .notFound, "\(type) \(named)")
                    #expect(response.errorCode == "NOT_FOUND")
                }
            }
            let page = try await client.call(.get, "/v1/messages?conversation_id=\(conversation)", visitor: session)
            #expect((page.data["messages"] as? [Any])?.isEmpty == true, "nothing refused was stored")
            let text = try await client.call(
                .post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "Hi"], visitor: session)
            #expect(text.status == .created)
            #expect(text.data["seq"] as? Int == 1)
        }
    }

    @Test func sitesArePagedWithTheirActiveConversations() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            var listed = try await client.call(.get, "/v1/sites", bearer: token)
            var sites = try #require(listed.data["sites"] as? [[String: Any]])
            #expect(sites.first?["active_conversations"] as? Int == 0)
            #expect(listed.data["pagination"] as? [String: Int] == ["page": 1, "limit": 20, "total": 1])

            for visitor in ["v1", "v2"] {
                let (_, session) = try await client.registerVisitor(site: siteID, id: visitor)
                _ = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": visitor], visitor: session)
            }
            let first = try #require(fixture.server.broker.conversations(site: site.id).first)
            _ = try await client.call(.patch, "/v1/conversations/\(NativeID.format(first.id))/close", json: [:], bearer: token)
            listed = try await client.call(.get, "/v1/sites?page=1&limit=5", bearer: token)
            sites = try #require(listed.data["sites"] as? [[String: Any]])
            #expect(sites.map { $0["id"] as? String } == [siteID])
            #expect(sites.first?["active_conversations"] as? Int == 1, "one open, one closed")
            #expect(listed.data["pagination"] as? [String: Int] == ["page": 1, "limit": 5, "total": 1])
            let second = try await client.call(.get, "/v1/sites?page=2", bearer: token)
            #expect((second.data["sites"] as? [Any])?.isEmpty == true)
            #expect(second.data["pagination"] as? [String: Int] == ["page": 2, "limit": 20, "total": 1])
            for bad in ["page=0", "page=x", "limit=0", "limit=101", "page=-1"] {
                let response = try await client.call(.get, "/v1/sites?\(bad)", bearer: token)
                #expect(response.status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func agentsAlwaysCarryLastSeen() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let bot = try await fixture.server.broker.directory.createAgent(
                site: site.id, username: "bot", email: "bot@shop.example", password: "correct horse", role: .agent, isBot: true)
            let before = Timestamp.now().milliseconds - 2000
            let (token, _) = try await client.login("owner-shop")
            let listed = try await client.call(.get, "/v1/agents?site_id=\(siteID)", bearer: token)
            let agents = try #require(listed.data["agents"] as? [[String: Any]])
            let byID = Dictionary(uniqueKeysWithValues: agents.compactMap { agent in (agent["id"] as? String).map { ($0, agent) } })
            // Every item has the key; a login counts as seen; never seen is an explicit null.
            #expect(agents.allSatisfy { $0.keys.contains("last_seen") })
            let seen = try #require(byID[NativeID.format(owner.id)]?["last_seen"] as? String)
            let seenAt = try #require(Timestamp(rfc3339: seen)).milliseconds
            #expect(seenAt >= before && seenAt <= Timestamp.now().milliseconds + 2000)
            #expect(byID[NativeID.format(bot.id)]?["last_seen"] is NSNull)
            // A status change is seen too.
            let botLogin = try await client.call(.post, "/v1/auth/support/login", json: ["username": "bot", "password": "correct horse"])
            let botToken = try #require(botLogin.data["token"] as? String)
            _ = try await client.call(.patch, "/v1/agents/status", json: ["status": "away"], bearer: botToken)
            let again = try await client.call(.get, "/v1/agents?site_id=\(siteID)", bearer: token)
            let botItem = (again.data["agents"] as? [[String: Any]])?.first { $0["id"] as? String == NativeID.format(bot.id) }
            #expect(botItem?["last_seen"] is String)
        }
    }

    @Test func customerSatisfactionIsNullWithoutRatings() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            let dashboard = try await client.call(.get, "/v1/analytics/dashboard?site_id=\(siteID)", bearer: token)
            #expect(dashboard.status == .ok)
            for key in ["customer_satisfaction", "average_response_time", "average_resolution_time"] {
                #expect(dashboard.data[key] is NSNull, "\(key)")
            }
            let performance = try await client.call(.get, "/v1/analytics/agents/\(NativeID.format(owner.id))?period=week", bearer: token)
            #expect(performance.status == .ok)
            #expect(performance.data["customer_satisfaction"] is NSNull)
            #expect(performance.data.keys.contains("average_response_time"))
        }
    }

    /// `xxx_0` is well formed and names nothing: 404 in every id position. Leading zeros, signs,
    /// overflow and another kind's prefix are malformed: 400.
    @Test func zeroIdsAreNotFoundAndNonCanonicalIdsAreMalformed() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            let (_, session) = try await client.registerVisitor(site: siteID, id: "v1")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v1"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)

            typealias Probe = (method: HTTPRequest.Method, uri: String, json: [String: Any]?)
            let notFound: [Probe] = [
                (.get, "/v1/conversations/conv_0", nil),
                (.patch, "/v1/conversations/conv_0/close", [:]),
                (.patch, "/v1/conversations/conv_0/assign", ["agent_id": "user_1"]),
                (.patch, "/v1/conversations/\(conversation)/assign", ["agent_id": "user_0"]),
                (.get, "/v1/conversations/\(conversation)?messages_before=msg_0", nil),
                (.get, "/v1/sites/site_0", nil),
                (.get, "/v1/conversations?site_id=site_0", nil),
                (.get, "/v1/agents?site_id=site_0", nil),
                (.get, "/v1/visitors/active?site_id=site_0", nil),
                (.get, "/v1/analytics/dashboard?site_id=site_0", nil),
                (.get, "/v1/analytics/agents/user_0", nil),
                (.get, "/v1/visitors/visitor_0", nil),
                (.get, "/v1/messages?conversation_id=conv_0", nil),
                (.get, "/v1/messages?conversation_id=\(conversation)&before=msg_0", nil),
                (.get, "/v1/messages?conversation_id=\(conversation)&after=msg_0", nil),
                (.post, "/v1/messages", ["conversation_id": "conv_0", "type": "text", "content": "x"]),
                (.post, "/v1/messages/read", ["conversation_id": conversation, "message_ids": ["msg_0"]]),
                (.post, "/v1/typing", ["conversation_id": "conv_0", "is_typing": true]),
                (.post, "/v1/conversations", ["site_id": "site_0", "visitor_id": "v1"]),
            ]
            for probe in notFound {
                let response = try await client.call(probe.method, probe.uri, json: probe.json, bearer: token)
                #expect(response.status == .notFound, "\(probe.method) \(probe.uri) \(probe.json ?? [:])")
                #expect(response.errorCode == "NOT_FOUND")
            }
            for malformed in ["conv_00", "conv_01", "conv_-1", "conv_+1", "conv_18446744073709551616", "site_1", "conv_1x", "conv_"] {
                let response = try await client.call(.get, "/v1/conversations/\(malformed)", bearer: token)
                #expect(response.status == .badRequest, "\(malformed)")
                #expect(response.errorCode == "VALIDATION_ERROR")
                let listed = try await client.call(.get, "/v1/messages?conversation_id=\(malformed)", bearer: token)
                #expect(listed.status == .badRequest, "\(malformed)")
            }
            for malformed in ["site_00", "site_-1", "user_1"] {
                #expect(try await client.call(.get, "/v1/sites/\(malformed)", bearer: token).status == .badRequest, "\(malformed)")
            }
            #expect(try await client.call(.get, "/v1/analytics/agents/user_007", bearer: token).status == .badRequest)
            let read = try await client.call(.post, "/v1/notifications/read", json: ["notification_ids": ["notif_0"]], bearer: token)
            #expect(read.status == .ok, "an unknown notification marks nothing, like another agent's")
            #expect(try await client.call(.post, "/v1/notifications/read", json: ["notification_ids": ["notif_01"]], bearer: token).status == .badRequest)
        }
    }
}
