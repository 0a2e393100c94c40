import Foundation
import ParleyModel
import ParleyServer
import ParleyWeb
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The web clients over real sockets: what the widget and the console are served with (types,
/// validators, CSP and framing headers), and the frames and fields they rely on — native
/// `conversation_updated` for the console's live queue, the widget history's `status` and
/// `team_read_seq` for its rating form and read marks after a reload.
@Suite struct WebClientsTests {
    static func get(_ port: Int, _ path: String, method: String = "GET", headers: [String: String] = [:]) async throws -> (HTTPURLResponse, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (body, response) = try await session.data(for: request)
        return (try #require(response as? HTTPURLResponse), String(decoding: body, as: UTF8.self))
    }

    @Test func assetsAreServedWithTypesValidatorsAndSecurityHeaders() async throws {
        try await RealtimeFixture.withServer { fixture in
            let (widget, script) = try await Self.get(fixture.port, "/widget.js")
            #expect(widget.statusCode == 200)
            #expect(widget.value(forHTTPHeaderField: "Content-Type") == "text/javascript; charset=utf-8")
            #expect(script == WebAsset.widget.text)
            // Embeddable from any site: no frame or CSP of its own, readable cross-origin.
            #expect(widget.value(forHTTPHeaderField: "Access-Control-Allow-Origin") == "*")
            #expect(widget.value(forHTTPHeaderField: "Cross-Origin-Resource-Policy") == "cross-origin")
            #expect(widget.value(forHTTPHeaderField: "X-Content-Type-Options") == "nosniff")
            let etag = try #require(widget.value(forHTTPHeaderField: "ETag"))
            #expect(etag == WebAsset.widget.etag)
            let (again, empty) = try await Self.get(fixture.port, "/widget.js", headers: ["If-None-Match": "\"other\", \(etag)"])
            #expect(again.statusCode == 304)
            #expect(empty.isEmpty)
            let (changed, _) = try await Self.get(fixture.port, "/widget.js", headers: ["If-None-Match": "\"other\""])
            #expect(changed.statusCode == 200)
            // HEAD answers what GET would, without the body.
            let (head, nothing) = try await Self.get(fixture.port, "/widget.js", method: "HEAD")
            #expect(head.statusCode == 200)
            #expect(nothing.isEmpty)
            #expect(head.value(forHTTPHeaderField: "Content-Length") == String(WebAsset.widget.text.utf8.count))
            #expect(head.value(forHTTPHeaderField: "ETag") == etag)

            let (console, page) = try await Self.get(fixture.port, "/console")
            #expect(console.statusCode == 200)
            #expect(console.value(forHTTPHeaderField: "Content-Type") == "text/html; charset=utf-8")
            #expect(page.contains("console/console.js"))
            let policy = try #require(console.value(forHTTPHeaderField: "Content-Security-Policy"))
            for directive in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"] {
                #expect(policy.contains(directive), "\(directive) in \(policy)")
            }
            #expect(!policy.contains("unsafe-inline"))
            #expect(console.value(forHTTPHeaderField: "X-Frame-Options") == "DENY")
            #expect(console.value(forHTTPHeaderField: "Referrer-Policy") == "no-referrer")
            for (path, type) in [("/console/console.js", "text/javascript"), ("/console/console.css", "text/css")] {
                let (asset, _) = try await Self.get(fixture.port, path)
                #expect(asset.statusCode == 200)
                #expect(asset.value(forHTTPHeaderField: "Content-Type")?.hasPrefix(type) == true)
                #expect(asset.value(forHTTPHeaderField: "ETag") != nil)
            }
            // The demo page exists only with --demo.
            #expect(try await Self.get(fixture.port, "/demo").0.statusCode == 404)
        }
    }

    @Test func theDemoPageEmbedsTheDemoSitesKey() async throws {
        try await RealtimeFixture.withServer(configure: { $0.demo = true }) { fixture in
            let demo = try #require(fixture.server.demo)
            #expect(demo.created)
            let (response, page) = try await Self.get(fixture.port, "/demo")
            #expect(response.statusCode == 200)
            #expect(response.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
            #expect(page.contains("data-key=\"\(demo.publicKey)\""))
            #expect(page.contains("src=\"/widget.js\""))
            #expect(page.contains("http://127.0.0.1:\(fixture.port)/widget.js"), "the embed snippet names this server")
            #expect(!page.contains("{{"), "every placeholder is filled")

            // The printed login works, and the knowledge base has what the AI suggestion quotes.
            var login = URLRequest(url: URL(string: "http://127.0.0.1:\(fixture.port)/v1/auth/support/login")!)
            login.httpMethod = "POST"
            login.setValue("application/json", forHTTPHeaderField: "Content-Type")
            login.httpBody = Data(#"{"username":"demo","password":"parley-demo"}"#.utf8)
            let (body, loggedIn) = try await URLSession.shared.data(for: login)
            #expect((loggedIn as? HTTPURLResponse)?.statusCode == 200)
            let envelope = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            let token = try #require((envelope?["data"] as? [String: Any])?["token"] as? String)
            var search = URLRequest(url: URL(string: "http://127.0.0.1:\(fixture.port)/api/v1/knowledge/search")!)
            search.httpMethod = "POST"
            search.setValue("application/json", forHTTPHeaderField: "Content-Type")
            search.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            search.httpBody = Data(#"{"query":"how long does shipping take"}"#.utf8)
            let (found, _) = try await URLSession.shared.data(for: search)
            let results = ((try JSONSerialization.jsonObject(with: found) as? [String: Any])?["data"] as? [String: Any])?["results"] as? [[String: Any]]
            #expect(results?.first?["title"] as? String == "Shipping and delivery")
        }
    }

    @Test func theDemoPageEscapesWhatItFillsIn() {
        let page = DemoPage(publicKey: "pk_\"><script>x</script>", username: "a&b", password: "it's")
        let html = page.render(origin: "http://h<1>")
        #expect(!html.contains("<script>x"))
        #expect(html.contains("pk_&quot;&gt;&lt;script&gt;x&lt;/script&gt;"))
        #expect(html.contains("http://h&lt;1&gt;"))
        #expect(DemoPage.escape("a&b 'c' \"d\" <e>") == "a&amp;b &#39;c&#39; &quot;d&quot; &lt;e&gt;")
    }

    @Test func agentsSeeConversationsOpenAssignAndClose() async throws {
        try await RealtimeFixture.withServer { fixture in
            let agent = try await fixture.agentSocket()
            let token = try await fixture.visitor("v-queue")
            let opened = try await fixture.rest(
                "POST", "/v1/conversations", json: ["site_id": fixture.siteID, "visitor_id": "v-queue"], visitor: token)
            #expect(opened.status == 201)
            let conversation = try #require(opened.data["id"] as? String)

            let created = try #require(await agent.next("conversation_updated"))
            #expect(created["conversation_id"] as? String == conversation)
            #expect(created["state"] as? String == "pending")
            #expect(created["status"] as? String == "active")
            #expect(created["visitor_id"] as? String == "v-queue")
            #expect(created["assigned_agent_id"] is NSNull)

            let owner = NativeID.format(fixture.owner.id)
            #expect(try await fixture.rest("PATCH", "/v1/conversations/\(conversation)/assign", json: ["agent_id": owner]).status == 200)
            let assigned = try #require(await agent.next("conversation_updated"))
            #expect(assigned["state"] as? String == "open")
            #expect(assigned["assigned_agent_id"] as? String == owner)

            #expect(try await fixture.rest("PATCH", "/v1/conversations/\(conversation)/close", json: [:]).status == 200)
            let closed = try #require(await agent.next("conversation_updated"))
            #expect(closed["state"] as? String == "closed")
            #expect(closed["status"] as? String == "closed")
            await agent.close()
        }
    }

    @Test func widgetHistoryCarriesStatusAndTheTeamsReadMark() async throws {
        try await RealtimeFixture.withServer { fixture in
            let key = fixture.site.publicKey
            let session = "browser-session-0003"
            let history = "/widget/v1/messages?api_key=\(key)&session_id=\(session)"
            _ = try await fixture.rest("POST", "/widget/v1/init", json: ["api_key": key, "session_id": session])
            let (_, none) = try await Self.get(fixture.port, history)
            let noneMeta = try #require((try JSONSerialization.jsonObject(with: Data(none.utf8)) as? [String: Any])?["meta"] as? [String: Any])
            #expect(noneMeta["status"] is NSNull)
            #expect(noneMeta["team_read_seq"] as? Int == 0)

            for text in ["one", "two"] {
                let sent = try await fixture.rest("POST", "/widget/v1/messages", json: ["api_key": key, "session_id": session, "content": text])
                #expect(sent.status == 201)
            }
            let uuid = try #require(
                try await fixture.rest("POST", "/widget/v1/messages", json: ["api_key": key, "session_id": session, "content": "three"])
                    .data["conversation_id"] as? String)
            let conversation = NativeID.format(try #require(OmniID.parse(uuid, as: ConversationID.self)))
            // The agent reads all three.
            #expect(try await fixture.rest("POST", "/v1/messages/read", json: ["conversation_id": conversation]).status == 200)

            let (_, body) = try await Self.get(fixture.port, history)
            let meta = try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["meta"] as? [String: Any])
            #expect(meta["conversation_id"] as? String == uuid)
            #expect(meta["status"] as? String == "pending")
            #expect(meta["team_read_seq"] as? Int == 3)

            #expect(try await fixture.rest("PATCH", "/v1/conversations/\(conversation)/close", json: [:]).status == 200)
            let (_, after) = try await Self.get(fixture.port, history)
            let closedMeta = try #require((try JSONSerialization.jsonObject(with: Data(after.utf8)) as? [String: Any])?["meta"] as? [String: Any])
            #expect(closedMeta["status"] as? String == "closed", "the rating form is offered after a reload too")
        }
    }
}
