import Foundation
import ParleyTestSupport
import Testing

/// Webhooks from three `parley serve --redis` processes to one real receiver (docs/SCALING.md,
/// "What works across nodes today"): every node sees the outbox, one node makes each attempt,
/// so each event is answered 200 once, each failed attempt is followed by one next attempt (made
/// by whichever node claims it), and deliveries go on when a node is killed.
@Suite(.serialized) struct ClusterWebhookTests {
    typealias Node = ClusterNodeProcess

    @Test func threeNodesMakeEachAttemptOnce() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let receiver = WebhookReceiver()
        // The first three requests fail: each is retried once, 200 from then on.
        receiver.script([.status(503), .status(500), .status(503)])
        try await receiver.serve { receiverPort in
            var nodes: [Node] = []
            for _ in 0..<3 { nodes.append(try await Node.start(redis: redis.port, extra: ["--allow-private-webhooks"])) }
            defer { Node.stop(nodes) }
            #expect(try await ParleyBinary.run(["admin", "create-site", "--data-dir", nodes[0].data, "--name", "Shop"]).status == 0)
            let created = try await ParleyBinary.run([
                "admin", "create-agent", "--data-dir", nodes[0].data, "--site-id", "site_1", "--username", "ann", "--email", "ann@shop.example",
                "--password", "correct horse", "--role", "owner",
            ])
            #expect(created.status == 0, "\(created.stderr)")
            var token: String?
            for _ in 0..<50 where token == nil {  // node 1 may not have applied the agent yet
                let (_, login, _) = try await Node.call(
                    nodes[1].port, "POST", "/api/v1/auth/login", ["email": "ann@shop.example", "password": "correct horse"])
                token = login["access_token"] as? String
                if token == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let bearer = ["Authorization": "Bearer \(try #require(token))"]
            let (registered, webhook, _) = try await Node.call(
                nodes[1].port, "POST", "/api/v1/webhooks",
                ["url": "http://127.0.0.1:\(receiverPort)/hook", "events": ["message.received"], "secret": "whsec_test"], headers: bearer)
            #expect(registered == 201, "\(webhook)")

            let (_, visitor, _) = try await Node.call(nodes[2].port, "POST", "/v1/visitors", ["site_id": "site_1", "visitor_id": "v1", "name": "Vera"])
            let session = try #require(visitor["session_token"] as? String)
            let (_, conversation, _) = try await Node.call(
                nodes[2].port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1"], visitor: session)
            let conversationID = try #require(conversation["id"] as? String)
            func send(_ count: Int, through ports: [Int], from start: Int) async throws {
                for number in start..<(start + count) {
                    let (status, _, _) = try await Node.call(
                        ports[number % ports.count], "POST", "/v1/messages",
                        ["conversation_id": conversationID, "type": "text", "content": "m\(number)"], visitor: session)
                    #expect(status == 201)
                }
            }
            try await send(30, through: nodes.map(\.port), from: 0)
            /// The events answered 200, by event id, and every request made for each.
            func delivered() -> (ok: Set<String>, requests: [String: Int]) {
                let received = receiver.received
                return (
                    Set(received.filter { $0.answered == 200 }.compactMap(\.id)),
                    received.reduce(into: [:]) { counts, delivery in counts[delivery.id ?? "", default: 0] += 1 }
                )
            }
            #expect(await receiver.wait(timeout: .seconds(30)) { _ in delivered().ok.count >= 30 })
            // Late doubles would come within a poll or two: wait, then count.
            try await Task.sleep(for: .seconds(2))
            var (ok, requests) = delivered()
            #expect(ok.count == 30)
            #expect(receiver.received.count == 33, "30 events, 3 of them retried once: \(requests.values.sorted())")
            // Each attempt of each event made once, by one node: attempts 1, 2 … without a repeat.
            for (id, count) in requests {
                let attempts = receiver.received.filter { $0.id == id }.compactMap { $0.headers["x-webhook-attempt"] }
                #expect(attempts == (1...count).map { "\($0)" }, "event \(id): attempts \(attempts)")
            }
            #expect(receiver.received.filter { $0.answered == 200 }.count == 30, "no event answered twice")

            // Node 0 is killed; the other two deliver what comes next, once each.
            kill(nodes[0].process.processIdentifier, SIGKILL)
            #expect(await ParleyBinary.waitForExit(nodes[0].process, timeout: .seconds(10)))
            try await send(6, through: [nodes[1].port, nodes[2].port], from: 30)
            #expect(await receiver.wait(timeout: .seconds(30)) { _ in delivered().ok.count >= 36 })
            try await Task.sleep(for: .seconds(2))
            (ok, requests) = delivered()
            #expect(ok.count == 36 && receiver.received.filter { $0.answered == 200 }.count == 36)
            let contents = Set(receiver.received.compactMap { (($0.json["data"] as? [String: Any])?["message"] as? [String: Any])?["content"] as? String })
            #expect(contents == Set((0..<36).map { "m\($0)" }), "\(contents.sorted())")
        }
    }
}
