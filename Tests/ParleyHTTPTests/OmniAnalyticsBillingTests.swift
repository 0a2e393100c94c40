import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ParleyEngine
import ParleyHTTP
import ParleyModel
import ParleyServer
import Testing

/// Ratings, analytics and billing over HTTP: a customer's rating feeds both dialects'
/// satisfaction, the stats and the CSV export come from the log, plans set the omni agent
/// routes' budget and are changed by owners only.
@Suite struct OmniAnalyticsBillingTests {
    typealias Omni = OmniConversationTests.Omni

    static func omni(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, json: Any? = nil, bearer: String? = nil
    ) async throws -> Omni {
        try await OmniConversationTests.omni(client, method, path, json: json, bearer: bearer)
    }

    /// A widget customer named `name` writes, the owner answers and closes; returns the conversation.
    static func closedConversation(
        _ client: any TestClientProtocol, site: Site, token: String, session: String, name: String
    ) async throws -> String {
        let widget = "/widget/v1"
        _ = try await client.call(.post, widget + "/init", json: ["api_key": site.publicKey, "session_id": session, "name": name])
        let sent = try await client.call(
            .post, widget + "/messages", json: ["api_key": site.publicKey, "session_id": session, "content": "Where is my order?"])
        let conversation = try #require(sent.data["conversation_id"] as? String)
        _ = try await omni(client, .post, "/conversations/\(conversation)/messages", json: ["content": "On its way"], bearer: token)
        _ = try await omni(client, .post, "/conversations/\(conversation)/close", bearer: token)
        return conversation
    }

    @Test func ratingsFeedSatisfactionInBothDialects() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let session = "browser-session-rate"
            // Before any rating: null, not invented.
            var stats = try await Self.omni(client, .get, "/analytics/stats", bearer: token)
            #expect((stats.data["satisfaction"] as? [String: Any])?["average"] is NSNull)

            let widget = "/widget/v1"
            _ = try await client.call(.post, widget + "/init", json: ["api_key": site.publicKey, "session_id": session])
            _ = try await client.call(.post, widget + "/messages", json: ["api_key": site.publicKey, "session_id": session, "content": "Hi"])
            let open = try await client.call(.post, widget + "/rating", json: ["api_key": site.publicKey, "session_id": session, "score": 5])
            #expect(open.status == .conflict, "nothing closed to rate yet")
            let conversation = try await Self.closedConversation(client, site: site, token: token, session: session, name: "Vera")
            for score in [0, 6] {
                let bad = try await client.call(.post, widget + "/rating", json: ["api_key": site.publicKey, "session_id": session, "score": score])
                #expect(bad.status == .unprocessableContent)
            }
            _ = try await client.call(.post, widget + "/init", json: ["api_key": site.publicKey, "session_id": "someone-else-123"])
            let foreign = try await client.call(
                .post, widget + "/rating",
                json: ["api_key": site.publicKey, "session_id": "someone-else-123", "conversation_id": conversation, "score": 1])
            #expect(foreign.status == .notFound)
            let rated = try await client.call(
                .post, widget + "/rating", json: ["api_key": site.publicKey, "session_id": session, "score": 4, "comment": "Quick"])
            #expect(rated.status == .created)
            #expect(rated.data["conversation_id"] as? String == conversation && rated.data["score"] as? Int == 4)
            // Rating again replaces.
            _ = try await client.call(.post, widget + "/rating", json: ["api_key": site.publicKey, "session_id": session, "score": 5])

            let dashboard = try await client.call(.get, "/v1/analytics/dashboard?site_id=\(NativeID.format(site.id))", bearer: token)
            #expect(dashboard.data["customer_satisfaction"] as? Double == 5)
            let mine = try await client.call(.get, "/v1/analytics/agents/\(NativeID.format(owner.id))", bearer: token)
            #expect(mine.data["customer_satisfaction"] as? Double == 5)

            stats = try await Self.omni(client, .get, "/analytics/stats?granularity=week", bearer: token)
            #expect(stats.status == .ok)
            let satisfaction = try #require(stats.data["satisfaction"] as? [String: Any])
            #expect(satisfaction["average"] as? Double == 5 && satisfaction["responses"] as? Int == 1)
            let conversations = try #require(stats.data["conversations"] as? [String: Any])
            #expect(conversations["total"] as? Int == 1 && conversations["closed"] as? Int == 1 && conversations["open"] as? Int == 0)
            #expect(conversations["avg_response_time"] is Int)
            let messages = try #require(stats.data["messages"] as? [String: Int])
            #expect(messages == ["total": 3, "from_customers": 2, "from_agents": 1, "from_ai": 0])
            let series = try #require(stats.data["series"] as? [[String: Any]])
            #expect(series.count == 5, "30 days in weeks")
            #expect(series.reduce(0) { $0 + ($1["messages"] as? Int ?? 0) } == 3)
            for bad in ["granularity=minute", "from=2026-02-01&to=2026-01-01", "from=yesterday", "granularity=hour&from=2020-01-01&to=2021-01-01"] {
                #expect(try await Self.omni(client, .get, "/analytics/stats?\(bad)", bearer: token).status == .unprocessableContent, "\(bad)")
            }
        }
    }

    @Test func theExportIsCSVThatASpreadsheetCannotRun() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let conversation = try await Self.closedConversation(
                client, site: site, token: token, session: "browser-session-csv", name: "=HYPERLINK(\"http://evil\",\"x\")")
            _ = try await client.call(
                .post, "/widget/v1/rating",
                json: ["api_key": site.publicKey, "session_id": "browser-session-csv", "score": 3, "comment": "ok, \"fine\"\nthanks"])
            let today = String(Timestamp.now().rfc3339.prefix(10))
            let response = try await client.execute(
                uri: "/api/v1/analytics/export", method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"from":"\#(today)","to":"\#(today)","format":"csv"}"#))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            let text = String(buffer: response.body)
            let records = Self.parseCSV(text)
            #expect(records.first == ["conversation_id", "customer_id", "customer_name", "customer_email", "channel", "status",
                                      "assigned_to", "created_at", "closed_at", "messages", "first_response_seconds", "rating",
                                      "rating_comment"])
            #expect(records.count == 2)
            let row = try #require(records.last)
            #expect(row[0] == conversation && row[5] == "closed" && row[9] == "2" && row[11] == "3")
            #expect(row[2] == "'=HYPERLINK(\"http://evil\",\"x\")", "a formula is defused with a leading quote")
            #expect(row[12] == "ok, \"fine\"\nthanks", "quotes, commas and line breaks survive")

            for body in [#"{"from":"2020-01-01","to":"2021-06-01"}"#, #"{"from":"\#(today)","to":"\#(today)","format":"xlsx"}"#, #"{"from":"x","to":"y"}"#] {
                let refused = try await client.execute(
                    uri: "/api/v1/analytics/export", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(string: body))
                #expect(refused.status == .unprocessableContent, "\(body)")
            }
        }
    }

    /// RFC 4180, as a spreadsheet reads it back.
    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters = characters.dropFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                record.append(field)
                field = ""
            } else if character == "\r\n" || character == "\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(character)
            }
        }
        return records
    }

    @Test func plansAreReportedChangedByOwnersAndBudgetTheAgentRoutes() async throws {
        var limits = RateLimits()
        limits.other = 100_000
        limits.authentication = 1000
        try await APIFixture.withAPI(limits: limits) { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            _ = try await fixture.server.broker.directory.createAgent(
                site: site.id, username: "bob", email: "bob@shop.example", password: "correct horse", role: .admin)
            let (bobToken, _) = try await client.login("bob")

            // The site's bucket starts with the first agent call; it refills at 100/60 a second.
            let started = ContinuousClock.now
            var subscription = try await Self.omni(client, .get, "/billing/subscription", bearer: token)
            #expect(subscription.data["plan"] as? String == "free")
            #expect((subscription.data["limits"] as? [String: Any])?["requests_per_minute"] as? Int == 100)
            let usage = try await Self.omni(client, .get, "/billing/usage", bearer: token)
            #expect((usage.data["messages"] as? [String: Any])?["used"] as? Int == 0)
            #expect((usage.data["messages"] as? [String: Any])?["limit"] as? Int == 1000)
            #expect((usage.data["storage"] as? [String: Any])?["used_mb"] as? Double == 0)
            #expect((usage.data["period"] as? [String: Any])?["start"] as? String == String(Timestamp.now().rfc3339.prefix(8)) + "01")

            #expect(try await Self.omni(client, .post, "/billing/subscription/change", json: ["plan": "enterprise"], bearer: bobToken).status == .forbidden, "admins do not")

            // Free: 100 requests a minute for the whole site (two agents share it).
            // Three agent calls above spent three; the rest of the minute's hundred go now. The
            // bucket refills at 100/60 a second, so a slow run may be served a few more.
            var served = 0
            var refused = 0
            for index in 0..<130 {
                let path = index % 3 == 0 ? "/conversations" : "/customers"
                let status = try await Self.omni(client, .get, path, bearer: index % 2 == 0 ? token : bobToken).status
                if status == .ok { served += 1 } else if status == .tooManyRequests { refused += 1 }
            }
            let refill = Int((ContinuousClock.now - started) / .seconds(1) * 100 / 60) + 2
            #expect(served + refused == 130)
            #expect(served >= 96 && served <= 97 + refill, "\(served) served, refill allowance \(refill)")
            #expect(refused >= 130 - 97 - refill)
            // A customer is never held to the site's plan.
            #expect(try await client.call(
                .post, "/widget/v1/init", json: ["api_key": site.publicKey, "session_id": "browser-session-free"]).status == .created)

            // Enterprise is unlimited (changed here in the engine: the owner's budget is spent).
            #expect(try await fixture.server.broker.changePlan(site: site.id, to: .enterprise, by: nil).plan == .enterprise)
            subscription = try await Self.omni(client, .get, "/billing/subscription", bearer: token)
            #expect(subscription.status == .ok)
            #expect(subscription.data["plan"] as? String == "enterprise")
            #expect((subscription.data["limits"] as? [String: Any])?["requests_per_minute"] is NSNull)
            #expect(try await Self.omni(client, .post, "/billing/subscription/change", json: ["plan": "gold"], bearer: token).status == .unprocessableContent)
            let changed = try await Self.omni(client, .post, "/billing/subscription/change", json: ["plan": "pro"], bearer: token)
            #expect(changed.status == .ok && changed.data["plan"] as? String == "pro")
        }
    }
}
