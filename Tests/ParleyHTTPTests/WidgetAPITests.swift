import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ParleyEngine
import ParleyHTTP
import ParleyModel
import ParleyServer
import Testing

/// The widget channel (`/api/v1/channels`) and the widget API (`/widget/v1`) over HTTP: the
/// channel's origins govern the widget, a widget customer and its messages are the same visitor
/// and conversation the agents see, and keys, sessions, origins and budgets are checked.
@Suite struct WidgetAPITests {
    typealias Omni = OmniConversationTests.Omni

    static func call(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, bearer: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> Omni {
        let envelope = try await client.call(method, uri, json: json, bearer: bearer, headers: headers)
        return Omni(status: envelope.status, json: envelope.json)
    }

    @Test func theWidgetChannelIsListedAndConfigured() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            _ = try await fixture.makeTenant("rival")
            let (token, _) = try await client.login("owner-shop")
            let (rivalToken, _) = try await client.login("owner-rival")
            let listed = try await Self.call(client, .get, "/api/v1/channels", bearer: token)
            #expect(listed.status == .ok)
            let channel = try #require(listed.items.first)
            let id = try #require(channel["id"] as? String)
            #expect(channel["type"] as? String == "widget" && channel["status"] as? String == "active")
            var config = try #require(channel["config"] as? [String: Any])
            #expect(config["public_key"] as? String == site.publicKey)
            #expect(config["allowed_origins"] as? [String] == ["https://shop.example"], "the site's domain, as before channels")
            #expect(config["any_origin"] as? Bool == false)

            let updated = try await Self.call(
                client, .put, "/api/v1/channels/\(id)",
                json: ["name": "Shop chat", "config": ["greeting": "Hej!", "primary_color": "#112233",
                                                      "allowed_origins": ["https://Shop.example/", "http://localhost:3000"]]],
                bearer: token)
            #expect(updated.status == .ok)
            #expect(updated.data["name"] as? String == "Shop chat")
            config = try #require(updated.data["config"] as? [String: Any])
            #expect(config["allowed_origins"] as? [String] == ["https://shop.example", "http://localhost:3000"])
            #expect(config["greeting"] as? String == "Hej!" && config["primary_color"] as? String == "#112233")
            #expect(config["offline_message"] as? String == WidgetConfig().offlineMessage, "left out, kept")
            // The native dialect shows the same widget.
            let native = try await client.call(.get, "/v1/sites/\(NativeID.format(site.id))", bearer: token)
            #expect((native.data["widget_config"] as? [String: Any])?["welcome_message"] as? String == "Hej!")
            // Emptied: any origin.
            let open = try await Self.call(client, .put, "/api/v1/channels/\(id)", json: ["config": ["allowed_origins": []]], bearer: token)
            #expect((open.data["config"] as? [String: Any])?["any_origin"] as? Bool == true)
            #expect(open.data["name"] as? String == "Shop chat")

            for body: [String: Any] in [
                ["config": ["allowed_origins": ["shop.example"]]], ["config": ["allowed_origins": ["https://shop.example/path"]]],
                ["config": ["primary_color": "blue"]], ["name": ""], ["config": ["allowed_origins": (0..<21).map { "https://s\($0).example" }]],
                ["config": ["greeting": String(repeating: "x", count: 2000)]],
            ] {
                let response = try await Self.call(client, .put, "/api/v1/channels/\(id)", json: body, bearer: token)
                #expect(response.status == .unprocessableContent, "\(body)")
            }
            #expect(try await Self.call(client, .put, "/api/v1/channels/\(id)", json: ["name": "x"], bearer: rivalToken).status == .notFound)
            #expect(try await Self.call(client, .put, "/api/v1/channels/site_1", json: ["name": "x"], bearer: token).status == .unprocessableContent)
            _ = try await fixture.server.broker.directory.createAgent(
                site: site.id, username: "bob", email: "bob@shop.example", password: "correct horse", role: .agent)
            let (bobToken, _) = try await client.login("bob")
            #expect(try await Self.call(client, .put, "/api/v1/channels/\(id)", json: ["name": "x"], bearer: bobToken).status == .forbidden)
            #expect(try await Self.call(client, .get, "/api/v1/channels", bearer: bobToken).status == .ok)
        }
    }

    @Test func aWidgetConversationIsTheOneTheAgentsSee() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let page = ["Origin": "https://shop.example"]
            let session = "browser-session-0001"
            let started = try await Self.call(
                client, .post, "/widget/v1/init", json: ["api_key": site.publicKey, "session_id": session, "name": "Vera"], headers: page)
            #expect(started.status == .created)
            let customer = try #require(started.data["customer_id"] as? String)
            #expect(started.data["session_token"] is String)
            #expect(started.data["conversation_id"] is NSNull)
            #expect((started.data["channel"] as? [String: Any])?["greeting"] as? String == WidgetConfig().welcomeMessage)
            let again = try await Self.call(client, .post, "/widget/v1/init", json: ["api_key": site.publicKey, "session_id": session], headers: page)
            #expect(again.status == .ok)
            #expect(again.data["customer_id"] as? String == customer)

            let sent = try await Self.call(
                client, .post, "/widget/v1/messages", json: ["api_key": site.publicKey, "session_id": session, "content": "Hello?"],
                headers: page)
            #expect(sent.status == .created)
            #expect(sent.data["sender_type"] as? String == "customer" && sent.data["sender_id"] as? String == customer)
            let conversation = try #require(sent.data["conversation_id"] as? String)
            // The agents see it, natively and in omni, and answer it.
            let native = NativeID.format(try #require(OmniID.parse(conversation, as: ConversationID.self)))
            let listed = try await client.call(.get, "/v1/conversations?site_id=\(NativeID.format(site.id))", bearer: token)
            #expect((listed.data["conversations"] as? [[String: Any]])?.first?["id"] as? String == native)
            let customerRead = try await OmniConversationTests.omni(client, .get, "/customers/\(customer)", bearer: token)
            #expect(customerRead.data["name"] as? String == "Vera" && customerRead.data["external_id"] as? String == session)
            _ = try await OmniConversationTests.omni(
                client, .post, "/conversations/\(conversation)/messages", json: ["content": "Hi Vera"], bearer: token)

            let history = try await Self.call(
                client, .get, "/widget/v1/messages?api_key=\(site.publicKey)&session_id=\(session)", headers: page)
            #expect(history.items.map { $0["content"] as? String } == ["Hello?", "Hi Vera"])
            #expect(history.meta["conversation_id"] as? String == conversation)
            let resumed = try await Self.call(client, .post, "/widget/v1/init", json: ["api_key": site.publicKey, "session_id": session], headers: page)
            #expect(resumed.data["conversation_id"] as? String == conversation)
        }
    }

    @Test func keysSessionsAndOriginsAreChecked() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let good: [String: Any] = ["api_key": site.publicKey, "session_id": "browser-session-0001"]
            var body = good
            body["api_key"] = site.secretKey
            #expect(try await Self.call(client, .post, "/widget/v1/init", json: body).status == .unauthorized)
            body["api_key"] = "pk_nobody"
            #expect(try await Self.call(client, .post, "/widget/v1/init", json: body).status == .unauthorized)
            for session in ["short", String(repeating: "x", count: 129), "has space in it", "ünïcode-session"] {
                body = good
                body["session_id"] = session
                #expect(try await Self.call(client, .post, "/widget/v1/init", json: body).status == .unprocessableContent, "\(session)")
            }
            var message = good
            message["content"] = "Hello?"
            #expect(try await Self.call(client, .post, "/widget/v1/messages", json: message).status == .notFound, "init first")
            #expect(try await Self.call(client, .get, "/widget/v1/messages?api_key=\(site.publicKey)&session_id=browser-session-0001").status == .notFound)

            // A page of another origin is refused; the preflight is answered and answers echo the origin.
            let evil = try await Self.call(client, .post, "/widget/v1/init", json: good, headers: ["Origin": "https://evil.example"])
            #expect(evil.status == .forbidden)
            #expect(evil.code == "FORBIDDEN")
            let preflight = try await client.execute(
                uri: "/widget/v1/init", method: .options,
                headers: [.origin: "https://shop.example", HTTPField.Name("Access-Control-Request-Method")!: "POST"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://shop.example")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            let allowed = try await client.execute(
                uri: "/widget/v1/init", method: .post, headers: [.origin: "https://shop.example", .contentType: "application/json"],
                body: ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: good))))
            #expect(allowed.status == .created)
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://shop.example")
            // No Origin (not a browser): not checked.
            #expect(try await Self.call(client, .post, "/widget/v1/init", json: good).status == .ok)
        }
    }

    @Test func aSignedUpSiteTakesAnyOriginAndKeysHaveABudget() async throws {
        var limits = RateLimits()
        limits.widgetPerKey = 3
        limits.other = 1000
        try await APIFixture.withAPI(limits: limits) { fixture, client in
            let signUp = try await client.call(
                .post, "/api/v1/auth/register", json: ["email": "new@owner.example", "password": "correct horse", "company_name": "New Co"])
            let token = try #require(signUp.data["access_token"] as? String)
            let channel = try #require(try await Self.call(client, .get, "/api/v1/channels", bearer: token).items.first)
            let config = try #require(channel["config"] as? [String: Any])
            #expect(config["any_origin"] as? Bool == true && config["allowed_origins"] as? [String] == [])
            let key = try #require(config["public_key"] as? String)
            for index in 1...3 {
                let response = try await Self.call(
                    client, .post, "/widget/v1/init", json: ["api_key": key, "session_id": "browser-session-\(index)xyz"],
                    headers: ["Origin": "https://anything-\(index).example"])
                #expect(response.status == .created)
            }
            let over = try await client.execute(
                uri: "/widget/v1/init", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"api_key":"\#(key)","session_id":"browser-session-4xyz"}"#))
            #expect(over.status == .tooManyRequests)
            #expect(over.headers[.retryAfter] != nil)
        }
    }

    @Test func identifyingMergesABrowserSessionIntoTheKnownCustomer() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            _ = try await fixture.makeTenant("rival")
            let (token, _) = try await client.login("owner-shop")
            let (rivalToken, _) = try await client.login("owner-rival")
            let first = try await Self.call(client, .post, "/widget/v1/init", json: ["api_key": site.publicKey, "session_id": "laptop-session-1"])
            let customer = try #require(first.data["customer_id"] as? String)
            _ = try await Self.call(
                client, .post, "/widget/v1/messages", json: ["api_key": site.publicKey, "session_id": "laptop-session-1", "content": "From the laptop"])
            let identified = try await OmniConversationTests.omni(
                client, .post, "/customers/identify",
                json: ["session_id": "laptop-session-1", "user_id": "u-1", "email": "ann@example.org", "name": "Ann", "metadata": ["plan": "pro"]],
                bearer: token)
            #expect(identified.status == .ok)
            #expect(identified.data["id"] as? String == customer && identified.data["user_id"] as? String == "u-1")
            #expect(identified.data["name"] as? String == "Ann" && identified.data["email"] as? String == "ann@example.org")

            // The same user on a phone: a new session, then identified, is the same customer.
            let phone = try await Self.call(client, .post, "/widget/v1/init", json: ["api_key": site.publicKey, "session_id": "phone-session-1"])
            #expect(phone.status == .created)
            #expect(phone.data["customer_id"] as? String != customer)
            let merged = try await OmniConversationTests.omni(
                client, .post, "/customers/identify", json: ["session_id": "phone-session-1", "user_id": "u-1"], bearer: token)
            #expect(merged.data["id"] as? String == customer)
            let listed = try await OmniConversationTests.omni(client, .get, "/customers", bearer: token)
            #expect(listed.items.map { $0["id"] as? String } == [customer], "the merged session is not a second customer")
            let again = try await Self.call(client, .post, "/widget/v1/init", json: ["api_key": site.publicKey, "session_id": "phone-session-1"])
            #expect(again.data["customer_id"] as? String == customer)
            _ = try await Self.call(
                client, .post, "/widget/v1/messages", json: ["api_key": site.publicKey, "session_id": "phone-session-1", "content": "From the phone"])
            let history = try await Self.call(
                client, .get, "/widget/v1/messages?api_key=\(site.publicKey)&session_id=laptop-session-1")
            #expect(history.items.map { $0["content"] as? String } == ["From the laptop", "From the phone"])

            #expect(try await OmniConversationTests.omni(
                client, .post, "/customers/identify", json: ["session_id": "nobody-session", "user_id": "u-2"], bearer: token).status == .notFound)
            #expect(try await OmniConversationTests.omni(
                client, .post, "/customers/identify", json: ["session_id": "laptop-session-1", "user_id": "u-1", "email": "nope"], bearer: token)
                .status == .unprocessableContent)
            #expect(try await OmniConversationTests.omni(
                client, .post, "/customers/identify", json: ["session_id": "laptop-session-1", "user_id": ""], bearer: token).status == .unprocessableContent)
            #expect(try await OmniConversationTests.omni(
                client, .post, "/customers/identify", json: ["session_id": "laptop-session-1", "user_id": "u-9"], bearer: rivalToken).status == .notFound)
        }
    }
}
