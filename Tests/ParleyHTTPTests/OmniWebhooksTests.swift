import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

/// The webhook routes (omni dialect): who may use them, what they answer, and tenant
/// isolation. A public IP literal passes the address rule without a DNS lookup.
@Suite struct OmniWebhooksTests {
    static let url = "https://93.184.216.34/parley-hook"

    @Test func routesForOwnersAndAdmins() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, token, rivalToken, agentToken) = try await fixture.shopRivalAndAgent(client)

            let made = try await client.call(
                .post, "/api/v1/webhooks", json: ["url": Self.url, "events": ["message.received", "conversation.closed"]], bearer: token)
            #expect(made.status == .created)
            let id = try #require(made.data["id"] as? String)
            #expect(OmniID.parse(id, as: WebhookID.self) != nil)
            #expect((made.data["secret"] as? String)?.hasPrefix("whsec_") == true, "a secret is generated and shown once")
            #expect(made.data["events"] as? [String] == ["conversation.closed", "message.received"] && made.data["is_active"] as? Bool == true)

            let got = try await client.call(.get, "/api/v1/webhooks/\(id)", bearer: token)
            #expect(got.status == .ok && got.data["secret"] == nil && got.data["url"] as? String == Self.url)
            let list = try await client.call(.get, "/api/v1/webhooks", bearer: site.secretKey)
            #expect((list.json["data"] as? [[String: Any]])?.count == 1 && (list.json["meta"] as? [String: Any])?["total"] as? Int == 1)

            let patched = try await client.call(
                .patch, "/api/v1/webhooks/\(id)", json: ["events": ["customer.identified"], "is_active": false, "secret": "a-new-secret"],
                bearer: token)
            #expect(patched.status == .ok && patched.data["is_active"] as? Bool == false && patched.data["secret"] as? String == "a-new-secret")
            #expect(patched.data["events"] as? [String] == ["customer.identified"])

            let ping = try await client.call(.post, "/api/v1/webhooks/\(id)/test", bearer: token)
            #expect(ping.status == .accepted && ping.data["event"] as? String == "ping" && ping.data["status"] as? String == "pending")
            let log = try await client.call(.get, "/api/v1/webhooks/\(id)/deliveries", bearer: token)
            #expect((log.json["data"] as? [[String: Any]])?.first?["event_id"] as? String == ping.data["event_id"] as? String)
            let deliveryID = try #require(ping.data["id"] as? String)
            let again = try await client.call(.post, "/api/v1/webhooks/\(id)/deliveries/\(deliveryID)/redeliver", bearer: token)
            #expect(again.status == .accepted && again.data["event_id"] as? String == ping.data["event_id"] as? String)
            #expect(again.data["id"] as? String != deliveryID)

            // Agents, other tenants, bad input.
            #expect(try await client.call(.get, "/api/v1/webhooks", bearer: agentToken).status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/webhooks", json: ["url": Self.url, "events": ["message.sent"]], bearer: agentToken).status == .forbidden)
            for (method, path) in [
                (HTTPRequest.Method.get, id), (.patch, id), (.delete, id), (.get, "\(id)/deliveries"), (.post, "\(id)/test"),
                (.post, "\(id)/deliveries/\(deliveryID)/redeliver"),
            ] {
                let probe = try await client.call(method, "/api/v1/webhooks/\(path)", json: method == .patch ? ["is_active": true] : nil, bearer: rivalToken)
                #expect(probe.status == .notFound, "\(method) \(path)")
            }
            for body: [String: Any] in [
                ["url": Self.url, "events": []], ["url": Self.url, "events": ["ping"]], ["url": Self.url, "events": ["message.deleted"]],
                ["url": "not a url", "events": ["message.sent"]], ["url": Self.url, "events": ["message.sent"], "secret": "short"],
                ["events": ["message.sent"]],
            ] {
                let refused = try await client.call(.post, "/api/v1/webhooks", json: body, bearer: token)
                #expect(refused.status == .unprocessableContent && refused.json["code"] as? String == "VALIDATION_ERROR", "\(body)")
            }
            #expect(try await client.call(.get, "/api/v1/webhooks/webhook_1", bearer: token).status == .unprocessableContent)
            #expect(try await client.call(.post, "/api/v1/webhooks/\(id)/deliveries/x1/redeliver", bearer: token).status == .unprocessableContent)
            #expect(try await client.call(.post, "/api/v1/webhooks/\(id)/deliveries/999/redeliver", bearer: token).status == .notFound)

            let deleted = try await client.call(.delete, "/api/v1/webhooks/\(id)", bearer: token)
            #expect(deleted.status == .noContent)
            #expect(try await client.call(.get, "/api/v1/webhooks/\(id)", bearer: token).status == .notFound)
            // A deleted webhook's id is not handed out again.
            let next = try await client.call(.post, "/api/v1/webhooks", json: ["url": Self.url, "events": ["message.sent"]], bearer: token)
            #expect(next.data["id"] as? String != id)
        }
    }
}
