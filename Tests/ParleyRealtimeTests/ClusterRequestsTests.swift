import Foundation
import ParleyTestSupport
import Testing

/// Requests that must happen once however many nodes they reach at the same moment
/// (docs/SCALING.md, "What works across nodes today"): an `Idempotency-Key` sent through two nodes at once runs
/// its request once, and two sign-ups with one e-mail through two nodes make one account.
@Suite(.serialized) struct ClusterRequestsTests {
    typealias Node = ClusterNodeProcess

    @Test func aKeySentThroughTwoNodesAtOnceRunsItsRequestOnce() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        var nodes: [Node] = []
        for _ in 0..<2 { nodes.append(try await Node.start(redis: redis.port)) }
        defer { Node.stop(nodes) }
        #expect(try await ParleyBinary.run(["admin", "create-site", "--data-dir", nodes[0].data, "--name", "Shop"]).status == 0)
        let (_, visitor, _) = try await Node.call(nodes[0].port, "POST", "/v1/visitors", ["site_id": "site_1", "visitor_id": "v1", "name": "Vera"])
        let session = try #require(visitor["session_token"] as? String)
        let ports = nodes.map(\.port)
        // Opening a conversation has no dedupe of its own (a message's client id has): only the
        // key stands between two requests and two conversations.
        let body = #"{"site_id":"site_1","visitor_id":"v1"}"#

        // 20 keys, each sent through both nodes at the same moment.
        var opened: [String: String] = [:]
        for round in 0..<20 {
            let key = "key-\(round)"
            let answers = await Node.simultaneousPosts(
                ports, path: "/v1/conversations", body: body, headers: ["Idempotency-Key": key, "X-Visitor-Token": session])
            let statuses = answers.map { $0?.status ?? 0 }
            #expect(statuses.allSatisfy { $0 == 201 || $0 == 409 }, "\(statuses)")
            let created = Set(answers.filter { $0?.status == 201 }.compactMap { $0?.json["id"] as? String })
            #expect(created.count == 1, "one conversation for key \(round): \(statuses) \(created)")
            opened[key] = created.first
        }
        // Conversations are numbered in log order across the cluster: 20 keys made conv_1 … conv_20
        // and nothing else, so the next one is conv_21.
        #expect(Set(opened.values) == Set((1...20).map { "conv_\($0)" }))
        let (status, next, _) = try await Node.call(nodes[1].port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1"], visitor: session)
        #expect(status == 201 && next["id"] as? String == "conv_21")
        // Each key sent again through either node answers with its one conversation, replayed.
        for (key, id) in opened {
            for port in ports {
                let (status, conversation, headers) = try await Node.call(
                    port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1"], visitor: session, headers: ["Idempotency-Key": key])
                #expect(status == 201 && conversation["id"] as? String == id)
                #expect(headers["Idempotent-Replayed"] as? String == "true")
            }
        }
    }

    @Test func twoSignUpsWithOneEmailThroughTwoNodesMakeOneAccount() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        var nodes: [Node] = []
        for _ in 0..<2 { nodes.append(try await Node.start(redis: redis.port)) }
        defer { Node.stop(nodes) }
        let ports = nodes.map(\.port)
        for round in 0..<5 {
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, port) in ports.enumerated() {
                    group.addTask {
                        let body: [String: Any] = [
                            "email": "owner\(round)@example.com", "password": "correct horse battery", "company_name": "Company \(index)",
                        ]
                        return try await Node.call(port, "POST", "/api/v1/auth/register", body).0
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [201, 409], "round \(round): \(statuses)")
        }
        // Five accounts: the e-mail logs in through either node.
        for port in ports {
            var status = 0
            for _ in 0..<50 where status != 200 {
                status = try await Node.call(port, "POST", "/api/v1/auth/login", ["email": "owner4@example.com", "password": "correct horse battery"]).0
                if status != 200 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(status == 200)
        }
    }
}
