import Foundation
import ParleyTestSupport
import Testing

/// A Redis that loses its disk under a running `parley serve --redis` (docs/SCALING.md,
/// "Reseeding an empty Redis"), as an operator meets it: the node acknowledges nothing more and
/// stops with a snapshot, will not start on the empty Redis, and `parley cluster reseed` brings
/// it back with every message, `seq` order and session it had.
@Suite(.serialized) struct ClusterReseedProcessTests {
    typealias Node = ClusterNodeProcess

    @Test func aNodeStopsOnAnEmptiedRedisAndAReseedBringsEverythingBack() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let first = try await Node.start(redis: redis.port)
        defer { Node.stop([first]) }
        let data = first.data
        #expect(try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop"]).status == 0)
        let agent = try await ParleyBinary.run([
            "admin", "create-agent", "--data-dir", data, "--site-id", "site_1", "--username", "ann", "--email", "ann@shop.example",
            "--password", "correct horse", "--role", "owner",
        ])
        #expect(agent.status == 0, "\(agent.stderr)")
        let (_, login, _) = try await Node.call(first.port, "POST", "/v1/auth/support/login", ["username": "ann", "password": "correct horse"])
        let agentToken = try #require(login["token"] as? String)
        let (_, visitor, _) = try await Node.call(first.port, "POST", "/v1/visitors", ["site_id": "site_1", "visitor_id": "v1", "name": "Vera"])
        let session = try #require(visitor["session_token"] as? String)
        let (_, conversation, _) = try await Node.call(
            first.port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1"], visitor: session)
        let conversationID = try #require(conversation["id"] as? String)
        for index in 1...5 {
            let (status, _, _) = try await Node.call(
                first.port, "POST", "/v1/messages", ["conversation_id": conversationID, "type": "text", "content": "m\(index)"], visitor: session)
            #expect(status == 201)
        }

        // Redis loses its disk: killed, its files gone, started empty.
        redis.kill()
        for name in try FileManager.default.contentsOfDirectory(atPath: redis.directory.path) {
            try FileManager.default.removeItem(at: redis.directory.appendingPathComponent(name))
        }
        try redis.restart()
        // The next write is not acknowledged, and the node stops (EX_IOERR) after its snapshot.
        let lost = try? await Node.call(
            first.port, "POST", "/v1/messages", ["conversation_id": conversationID, "type": "text", "content": "lost?"], visitor: session)
        #expect(lost.map { $0.0 != 201 } ?? true, "never acknowledged")
        #expect(await ParleyBinary.waitForExit(first.process, timeout: .seconds(20)))
        #expect(first.process.terminationStatus == 74)
        // It does not start on the empty Redis.
        let url = "redis://127.0.0.1:\(redis.port)"
        let errors = Pipe()
        let refused = try ParleyBinary.start(
            ["serve", "--port", "\(ParleyBinary.freePort())", "--data-dir", data, "--redis", url], stderr: errors.fileHandleForWriting)
        let exited = await ParleyBinary.waitForExit(refused, timeout: .seconds(20))
        if !exited { kill(refused.processIdentifier, SIGKILL) }
        try errors.fileHandleForWriting.close()
        let startError = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(exited && refused.terminationStatus != 0 && startError.contains("cluster log ends at LSN 0"), "\(startError)")

        let reseed = try await ParleyBinary.run(["cluster", "reseed", "--data-dir", data, "--redis", url])
        #expect(reseed.status == 0, "\(reseed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(reseed.stdout.utf8)) as? [String: Any])
        #expect(report["token_key_restored"] as? Bool == true && report["conversations"] as? Int == 1)
        let again = try await ParleyBinary.run(["cluster", "reseed", "--data-dir", data, "--redis", url])
        #expect(again.status == 1 && again.stderr.contains("nothing is missing"), "\(again.stderr)")
        #expect(try await ParleyBinary.run(["cluster", "reseed", "--data-dir", data]).status == 2, "--redis is required")

        let node = try await Node.start(redis: redis.port, data: data)
        defer { Node.stop([node]) }
        let (status, page, _) = try await Node.call(node.port, "GET", "/v1/messages?conversation_id=\(conversationID)&limit=100", visitor: session)
        let messages = page["messages"] as? [[String: Any]] ?? []
        #expect(status == 200 && messages.map { $0["content"] as? String } == (1...5).map { "m\($0)" })
        // The agent's token, signed before the loss, is still good: the token key came back.
        let (listed, _, _) = try await Node.call(node.port, "GET", "/v1/conversations?site_id=site_1", headers: ["Authorization": "Bearer \(agentToken)"])
        #expect(listed == 200)
        let (sent, message, _) = try await Node.call(
            node.port, "POST", "/v1/messages", ["conversation_id": conversationID, "type": "text", "content": "m6"], visitor: session)
        #expect(sent == 201 && message["seq"] as? Int == 6)
    }
}
