import Foundation
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The outbox survives `kill -9`: 100 events the receiver has not taken, SIGKILL, restart —
/// all 100 arrive, in order, each id once among the accepted deliveries.
@Suite(.serialized) struct WebhookDurabilityTests {
    func call(_ port: Int, _ method: String, _ path: String, _ body: [String: Any]? = nil, bearer: String? = nil, visitor: String? = nil)
        async throws -> (Int, [String: Any])
    {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let visitor { request.setValue(visitor, forHTTPHeaderField: "X-Visitor-Token") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    func start(_ data: String) async throws -> (process: Process, port: Int) {
        try await ParleyBinary.serve(["--data-dir", data, "--bcrypt-cost", "4", "--rate-limits", "off", "--allow-private-webhooks"])
    }

    @Test func pendingDeliveriesSurviveKill9AndGoOutInOrder() async throws {
        let data = ParleyBinary.temporaryDirectory("webhook-kill9")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let created = try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop"])
        #expect(created.status == 0)
        let site = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        let key = try #require(site?["secret_key"] as? String)
        let receiver = WebhookReceiver()
        receiver.script([], then: .status(503))  // down until after the restart
        try await receiver.serve { receiverPort in
            var server = try await start(data)
            let (made, _) = try await call(
                server.port, "POST", "/api/v1/webhooks",
                ["url": "http://127.0.0.1:\(receiverPort)/hook", "events": ["message.received"], "secret": "whsec_durable"], bearer: key)
            #expect(made == 201)
            let (_, visitor) = try await call(server.port, "POST", "/v1/visitors", ["site_id": "site_1", "visitor_id": "v1", "name": "Vera"])
            let session = try #require((visitor["data"] as? [String: Any])?["session_token"] as? String)
            let (_, opened) = try await call(server.port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1"], visitor: session)
            let conversation = try #require((opened["data"] as? [String: Any])?["id"] as? String)
            for index in 0..<100 {
                let (code, _) = try await call(
                    server.port, "POST", "/v1/messages", ["conversation_id": conversation, "type": "text", "content": "m\(index)"],
                    visitor: session)
                #expect(code == 201)
            }
            let (_, webhooks) = try await call(server.port, "GET", "/api/v1/webhooks", bearer: key)
            let webhook = try #require(((webhooks["data"] as? [[String: Any]])?.first)?["id"] as? String)
            let (_, log) = try await call(server.port, "GET", "/api/v1/webhooks/\(webhook)/deliveries?per_page=100", bearer: key)
            #expect((log["meta"] as? [String: Any])?["total"] as? Int == 100)
            #expect((log["data"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "pending" } == true)

            kill(server.process.processIdentifier, SIGKILL)
            #expect(await ParleyBinary.waitForExit(server.process, timeout: .seconds(10)))
            receiver.script([], then: .status(200))
            server = try await start(data)
            defer { ParleyBinary.stop(server.process) }

            let accepted: @Sendable ([WebhookReceiver.Delivery]) -> [WebhookReceiver.Delivery] = { $0.filter { $0.answered == 200 } }
            #expect(await receiver.wait(timeout: .seconds(60)) { accepted($0).count >= 100 }, "accepted \(accepted(receiver.received).count)")
            let delivered = accepted(receiver.received)
            #expect(delivered.count == 100, "each event accepted once")
            #expect(Set(delivered.compactMap(\.id)).count == 100)
            let contents = delivered.map { (($0.json["data"] as? [String: Any])?["message"] as? [String: Any])?["content"] as? String }
            #expect(contents == (0..<100).map { "m\($0)" }, "in event order")
            // The last attempts are logged just after the receiver answered them.
            var allDelivered = false
            for _ in 0..<250 where !allDelivered {
                let (_, after) = try await call(server.port, "GET", "/api/v1/webhooks/\(webhook)/deliveries?per_page=100", bearer: key)
                allDelivered = (after["data"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "delivered" } == true
                if !allDelivered { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(allDelivered)
            var metrics = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/metrics")!)
            metrics.httpMethod = "GET"
            let (text, _) = try await URLSession.shared.data(for: metrics)
            let exposition = String(decoding: text, as: UTF8.self)
            for name in ["parley_webhook_deliveries_total", "parley_webhook_attempts_total", "parley_webhook_queue_depth", "parley_webhook_delivery_latency_seconds"] {
                #expect(exposition.contains(name), "\(name) in /metrics")
            }
        }
    }
}
