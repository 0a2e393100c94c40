import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

/// The omni dialect's conversations, messages and customers (seed 003) over HTTP: the envelope
/// and paging, filters, the status model, metadata kept, one model shared with the native
/// dialect, validation as 422 and other tenants' objects as 404.
@Suite struct OmniConversationTests {
    struct Omni {
        let status: HTTPResponse.Status
        let json: [String: Any]
        var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
        var items: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
        var meta: [String: Any] { json["meta"] as? [String: Any] ?? [:] }
        var code: String? { json["code"] as? String }
    }

    static func omni(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, json: Any? = nil, bearer: String? = nil,
        visitor: String? = nil, headers: [String: String] = [:]
    ) async throws -> Omni {
        let envelope = try await client.call(method, "/api/v1" + path, json: json, bearer: bearer, visitor: visitor, headers: headers)
        return Omni(status: envelope.status, json: envelope.json)
    }

    @Test func aConversationThroughTheOmniDialect() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            let (visitorID, session) = try await client.registerVisitor(site: siteID, id: "v1", name: "Vera")
            let customer = OmniID.format(try #require(NativeID.parse(visitorID, as: VisitorID.self)))

            let created = try await Self.omni(
                client, .post, "/conversations", json: ["customer_id": customer, "metadata": ["source": "pricing"]], bearer: token)
            #expect(created.status == .created)
            let conversation = try #require(created.data["id"] as? String)
            #expect(created.data["status"] as? String == "pending")
            #expect(created.data["channel"] as? String == "widget")
            #expect((created.data["customer"] as? [String: Any])?["id"] as? String == customer)
            #expect((created.data["customer"] as? [String: Any])?["name"] as? String == "Vera")
            #expect(created.data["last_message"] is NSNull && created.data["assigned_to"] is NSNull)
            // One model: the same conversation natively.
            let native = NativeID.format(try #require(OmniID.parse(conversation, as: ConversationID.self)))
            #expect(try await client.call(.get, "/v1/conversations/\(native)", bearer: token).status == .ok)

            let reply = try await Self.omni(
                client, .post, "/conversations/\(conversation)/messages",
                json: ["content": "Hello Vera", "metadata": ["macro": "greeting"], "attachments": []], bearer: token)
            #expect(reply.status == .created)
            #expect(reply.data["seq"] as? Int == 1)
            #expect(reply.data["sender_type"] as? String == "agent")
            #expect(reply.data["sender_id"] as? String == OmniID.format(owner.id))
            #expect(reply.data["metadata"] as? [String: String] == ["macro": "greeting"])
            #expect((reply.data["attachments"] as? [Any])?.isEmpty == true)
            let fromVisitor = try await client.call(
                .post, "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "Thanks"], visitor: session)
            #expect(fromVisitor.data["seq"] as? Int == 2)

            var page = try await Self.omni(client, .get, "/conversations/\(conversation)/messages", bearer: token)
            #expect(page.items.map { $0["seq"] as? Int } == [1, 2])
            #expect(page.items.map { $0["sender_type"] as? String } == ["agent", "customer"])
            #expect(page.items.first?["metadata"] as? [String: String] == ["macro": "greeting"], "metadata is kept")
            #expect(page.items.last?["metadata"] as? [String: String] == [:])
            #expect(page.meta["has_more"] as? Bool == false)
            page = try await Self.omni(client, .get, "/conversations/\(conversation)/messages?limit=1", bearer: token)
            #expect(page.items.map { $0["seq"] as? Int } == [2])
            #expect(page.meta["has_more"] as? Bool == true)
            page = try await Self.omni(client, .get, "/conversations/\(conversation)/messages?before=2000-01-01T00:00:00Z", bearer: token)
            #expect(page.items.isEmpty && page.meta["has_more"] as? Bool == false)
            page = try await Self.omni(client, .get, "/conversations/\(conversation)/messages?before=2999-01-01T00:00:00Z&limit=1", bearer: token)
            #expect(page.items.map { $0["seq"] as? Int } == [2])
            for bad in ["limit=0", "limit=101", "before=yesterday"] {
                let response = try await Self.omni(client, .get, "/conversations/\(conversation)/messages?\(bad)", bearer: token)
                #expect(response.status == .unprocessableContent, "\(bad)")
                #expect(response.code == "VALIDATION_ERROR")
            }

            var listed = try await Self.omni(client, .get, "/conversations", bearer: token)
            #expect(listed.items.count == 1)
            #expect(listed.meta["total"] as? Int == 1 && listed.meta["page"] as? Int == 1 && listed.meta["per_page"] as? Int == 20)
            let last = try #require(listed.items.first?["last_message"] as? [String: Any])
            #expect(last["content"] as? String == "Thanks" && last["sender_type"] as? String == "customer")

            let assigned = try await Self.omni(
                client, .post, "/conversations/\(conversation)/assign", json: ["user_id": OmniID.format(owner.id)], bearer: token)
            #expect(assigned.status == .ok)
            #expect(assigned.data["status"] as? String == "open")
            #expect(assigned.data["assigned_to"] as? String == OmniID.format(owner.id))
            for (query, count) in [
                ("status=open", 1), ("status=pending", 0), ("assigned_to=\(OmniID.format(owner.id))", 1), ("channel=widget", 1),
                ("channel=telegram", 0), ("page=2", 0), ("per_page=1", 1),
            ] {
                listed = try await Self.omni(client, .get, "/conversations?\(query)", bearer: token)
                #expect(listed.status == .ok)
                #expect(listed.items.count == count, "\(query)")
            }
            for bad in ["status=active", "channel=fax", "per_page=0", "per_page=101", "page=0", "assigned_to=user_1"] {
                let response = try await Self.omni(client, .get, "/conversations?\(bad)", bearer: token)
                #expect(response.status == .unprocessableContent, "\(bad)")
            }

            let closed = try await Self.omni(client, .post, "/conversations/\(conversation)/close", bearer: token)
            #expect(closed.data["status"] as? String == "closed")
            #expect(closed.data["closed_at"] is String)
            #expect(try await Self.omni(client, .post, "/conversations/\(conversation)/close", bearer: token).status == .ok)
            let late = try await Self.omni(client, .post, "/conversations/\(conversation)/messages", json: ["content": "still?"], bearer: token)
            #expect(late.status == .conflict)
            #expect(late.code == "CONFLICT" && late.json["detail"] is String)
        }
    }

    @Test func sendsAreIdempotentAndValidated() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let (visitorID, _) = try await client.registerVisitor(site: NativeID.format(site.id), id: "v1")
            let customer = OmniID.format(try #require(NativeID.parse(visitorID, as: VisitorID.self)))
            let created = try await Self.omni(client, .post, "/conversations", json: ["customer_id": customer], bearer: token)
            let conversation = try #require(created.data["id"] as? String)
            let path = "/conversations/\(conversation)/messages"
            let first = try await Self.omni(client, .post, path, json: ["content": "Hi"], bearer: token, headers: ["Idempotency-Key": "k1"])
            let again = try await Self.omni(client, .post, path, json: ["content": "Hi"], bearer: token, headers: ["Idempotency-Key": "k1"])
            #expect(first.status == .created && again.status == .created)
            #expect(again.data["id"] as? String == first.data["id"] as? String)
            #expect(try await Self.omni(client, .get, path, bearer: token).items.count == 1)

            let invalid: [[String: Any]] = [
                [:], ["content": 5], ["content": "x", "metadata": [1, 2]], ["content": "x", "attachments": ["file_1"]],
            ]
            for body in invalid {
                let response = try await Self.omni(client, .post, path, json: body, bearer: token)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.code == "VALIDATION_ERROR")
            }
            // A well-formed attachment names no stored file (no file store yet): 404, nothing sent.
            let attachment = OmniID.format(Identifier<FileKind>(1))
            let withFile = try await Self.omni(client, .post, path, json: ["content": "x", "attachments": [attachment]], bearer: token)
            #expect(withFile.status == .notFound)
            #expect(try await Self.omni(client, .get, path, bearer: token).items.count == 1)
            let tooLong = try await Self.omni(client, .post, path, json: ["content": String(repeating: "x", count: 17 * 1024)], bearer: token)
            #expect(tooLong.status == .contentTooLarge)

            for body: [String: Any] in [[:], ["customer_id": "nope"], ["customer_id": customer, "channel": "fax"], ["customer_id": customer, "metadata": "x"]] {
                let response = try await Self.omni(client, .post, "/conversations", json: body, bearer: token)
                #expect(response.status == .unprocessableContent, "\(body)")
            }
            let zero = OmniID.format(VisitorID(0))
            #expect(try await Self.omni(client, .post, "/conversations", json: ["customer_id": zero], bearer: token).status == .notFound)
            #expect(try await Self.omni(client, .get, "/conversations/\(OmniID.format(ConversationID(0)))", bearer: token).status == .notFound)
            #expect(try await Self.omni(client, .get, "/conversations/conv_1", bearer: token).status == .unprocessableContent)
            #expect(try await Self.omni(client, .get, "/conversations").status == .unauthorized)
        }
    }

    /// Every object route, called by another tenant or by a visitor: 404 or 403, never the object.
    @Test func otherTenantsAndVisitorsAreKeptOut() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (shop, shopOwner) = try await fixture.makeTenant("shop")
            _ = try await fixture.makeTenant("rival")
            let (token, _) = try await client.login("owner-shop")
            let (rivalToken, _) = try await client.login("owner-rival")
            let (visitorID, session) = try await client.registerVisitor(site: NativeID.format(shop.id), id: "v1")
            let customer = OmniID.format(try #require(NativeID.parse(visitorID, as: VisitorID.self)))
            let created = try await Self.omni(client, .post, "/conversations", json: ["customer_id": customer], bearer: token)
            let conversation = try #require(created.data["id"] as? String)
            let probes: [(HTTPRequest.Method, String, [String: Any]?)] = [
                (.get, "/conversations/\(conversation)", nil),
                (.post, "/conversations/\(conversation)/close", nil),
                (.post, "/conversations/\(conversation)/assign", ["user_id": OmniID.format(shopOwner.id)]),
                (.get, "/conversations/\(conversation)/messages", nil),
                (.post, "/conversations/\(conversation)/messages", ["content": "hijack"]),
                (.get, "/customers/\(customer)", nil),
                (.post, "/conversations", ["customer_id": customer]),
            ]
            for (method, path, body) in probes {
                let rival = try await Self.omni(client, method, path, json: body, bearer: rivalToken)
                #expect(rival.status == .notFound, "\(method) \(path)")
                let asVisitor = try await Self.omni(client, method, path, json: body, visitor: session)
                #expect(asVisitor.status == .forbidden, "\(method) \(path)")
            }
            // The rival's lists do not show the shop's objects.
            #expect(try await Self.omni(client, .get, "/conversations", bearer: rivalToken).items.isEmpty)
            #expect(try await Self.omni(client, .get, "/customers", bearer: rivalToken).items.isEmpty)
            // The shop's conversation was not touched.
            let after = try await Self.omni(client, .get, "/conversations/\(conversation)", bearer: token)
            #expect(after.data["status"] as? String == "pending")
            #expect(try await Self.omni(client, .get, "/conversations/\(conversation)/messages", bearer: token).items.isEmpty)
        }
    }

    @Test func customersAreListedSearchedAndCounted() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            _ = try await client.call(
                .post, "/v1/visitors",
                json: ["site_id": siteID, "visitor_id": "v-ann", "name": "Ann Lee", "email": "ann@example.org", "metadata": ["plan": "pro"]])
            _ = try await client.registerVisitor(site: siteID, id: "v-bob", name: "Bob")
            let (annID, annSession) = try await client.registerVisitor(site: siteID, id: "v-ann", name: "Ann Lee")
            _ = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v-ann"], visitor: annSession)

            var listed = try await Self.omni(client, .get, "/customers", bearer: token)
            #expect(listed.items.map { $0["name"] as? String } == ["Bob", "Ann Lee"], "newest first")
            #expect(listed.meta["total"] as? Int == 2)
            listed = try await Self.omni(client, .get, "/customers?search=EXAMPLE.org", bearer: token)
            #expect(listed.items.map { $0["external_id"] as? String } == ["v-ann"])
            listed = try await Self.omni(client, .get, "/customers?per_page=1&page=2", bearer: token)
            #expect(listed.items.map { $0["name"] as? String } == ["Ann Lee"])
            #expect(listed.meta["total"] as? Int == 2 && listed.meta["per_page"] as? Int == 1)

            let ann = OmniID.format(try #require(NativeID.parse(annID, as: VisitorID.self)))
            let one = try await Self.omni(client, .get, "/customers/\(ann)", bearer: token)
            #expect(one.data["conversations_count"] as? Int == 1)
            #expect(one.data["email"] as? String == "ann@example.org")
            #expect(one.data["status"] as? String == "offline")
            #expect(one.data["last_seen"] is String && one.data["first_seen"] is String)
            #expect((one.data["metadata"] as? [String: Any])?["plan"] as? String == "pro")
            #expect(try await Self.omni(client, .get, "/customers/\(OmniID.format(VisitorID(99)))", bearer: token).status == .notFound)
            #expect(try await Self.omni(client, .get, "/customers/v-ann", bearer: token).status == .unprocessableContent)
            #expect(try await Self.omni(client, .get, "/customers?per_page=500", bearer: token).status == .unprocessableContent)
        }
    }
}
