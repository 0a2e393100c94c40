import Foundation
import ParleyModel
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue 20's small version for `make test`: three `parley serve --redis` processes and one
/// `redis-server`, all started here on loopback. One conversation written through all three at
/// once (REST on one node, a native WebSocket session on another, an omni one on the third) has one gapless order that every
/// node returns alike and that a WebSocket client on another node receives live; a node killed
/// with SIGKILL → its WebSocket client resumes on another node with nothing lost or repeated;
/// Redis killed with SIGKILL and restarted loses no acknowledged message; a node restarted and a
/// node started later catch up.
@Suite(.serialized) struct ClusterProcessTests {
    typealias Node = ClusterNodeProcess

    func start(redis: Int, data: String = ParleyBinary.temporaryDirectory("cluster-node"), extra: [String] = []) async throws -> Node {
        try await Node.start(redis: redis, data: data, extra: extra)
    }

    func call(_ port: Int, _ method: String, _ path: String, _ body: [String: Any]? = nil, visitor: String? = nil) async throws
        -> (Int, [String: Any])
    {
        let (status, json, _) = try await Node.call(port, method, path, body, visitor: visitor)
        return (status, json)
    }

    /// Every message of `conversation` as one node returns it, oldest first: (seq, id, content).
    func history(_ port: Int, _ conversation: String, _ session: String) async throws -> [[String]] {
        var collected: [[String]] = []
        var path = "/v1/messages?conversation_id=\(conversation)&limit=100"
        while true {
            let (status, body) = try await call(port, "GET", path, visitor: session)
            #expect(status == 200)
            let messages = body["messages"] as? [[String: Any]] ?? []
            collected = messages.map { ["\($0["seq"] as? Int ?? 0)", $0["id"] as? String ?? "", $0["content"] as? String ?? ""] } + collected
            guard body["has_more"] as? Bool == true, let oldest = messages.first?["id"] as? String else { return collected }
            path = "/v1/messages?conversation_id=\(conversation)&limit=100&before=\(oldest)"
        }
    }

    @Test func threeNodesOneOrderNoLossAcrossKillsAndALateNode() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        var nodes: [Node] = []
        for _ in 0..<3 { nodes.append(try await start(redis: redis.port)) }
        defer { Node.stop(nodes) }
        // The site through node 0's admin API; the visitor through node 1; the conversation through node 2.
        let created = try await ParleyBinary.run(["admin", "create-site", "--data-dir", nodes[0].data, "--name", "Shop"])
        #expect(created.status == 0, "\(created.stderr)")
        let (registered, visitor) = try await call(
            nodes[1].port, "POST", "/v1/visitors", ["site_id": "site_1", "visitor_id": "v1", "name": "Vera"])
        #expect(registered == 201)
        let session = try #require(visitor["session_token"] as? String)
        let (opened, conversation) = try await call(
            nodes[2].port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1"], visitor: session)
        #expect(opened == 201)
        let conversationID = try #require(conversation["id"] as? String)

        // An agent for the omni socket: made through node 0, logged in through node 2.
        let agent = try await ParleyBinary.run([
            "admin", "create-agent", "--data-dir", nodes[0].data, "--site-id", "site_1", "--username", "ann", "--email", "ann@shop.example",
            "--password", "correct horse", "--role", "owner",
        ])
        #expect(agent.status == 0, "\(agent.stderr)")
        let (_, login) = try await call(nodes[2].port, "POST", "/v1/auth/support/login", ["username": "ann", "password": "correct horse"])
        let agentToken = try #require(login["token"] as? String)
        let omniConversation = OmniID.format(try #require(NativeID.parse(conversationID, as: ConversationID.self)))

        // A visitor's WebSocket client on node 2 watches; a native session on node 1 and an omni
        // session on node 2 send.
        let socketPath = "/ws?site_id=site_1&role=visitor&token=\(session)&visitor_id=v1"
        let watcher = try await TestSocket.connect(port: nodes[2].port, path: socketPath)
        let sender = try await TestSocket.connect(port: nodes[1].port, path: socketPath)
        let omni = try await TestSocket.connect(port: nodes[2].port, path: "/api/v1/ws")
        await omni.send(["type": "auth", "token": "Bearer \(agentToken)"])
        #expect(await omni.next("auth.ok", timeout: .seconds(10)) != nil)
        // Registered before the first message: its resume from 0 is answered first.
        await watcher.send(["type": "resume", "positions": [conversationID: 0]])
        #expect(await watcher.next("resumed", timeout: .seconds(10)) != nil)

        // 3 × 40 messages at once: REST through node 0, the native socket on node 1, the omni
        // socket on node 2; each acknowledged (ids collected in the native form).
        let restPort = nodes[0].port
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
            group.addTask {
                var ids: [String] = []
                for number in 0..<40 {
                    let (status, message) = try await self.call(
                        restPort, "POST", "/v1/messages", ["conversation_id": conversationID, "type": "text", "content": "n0-\(number)"],
                        visitor: session)
                    #expect(status == 201)
                    if let id = message["id"] as? String { ids.append(id) }
                }
                return ids
            }
            group.addTask {
                var ids: [String] = []
                for number in 0..<40 {
                    await sender.send(["type": "message", "conversation_id": conversationID, "content": "n1-\(number)"])
                    let ack = await sender.next("ack", timeout: .seconds(20))
                    if let id = ack?["message_id"] as? String { ids.append(id) }
                }
                return ids
            }
            group.addTask {
                var ids: [String] = []
                for number in 0..<40 {
                    await omni.send(["type": "message", "conversation_id": omniConversation, "content": "n2-\(number)"])
                    let ack = await omni.next("message.ack", timeout: .seconds(20))
                    if let id = (ack?["data"] as? [String: Any])?["message_id"] as? String, let message = OmniID.parse(id, as: MessageID.self) {
                        ids.append(NativeID.format(message))
                    }
                }
                return ids
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(acknowledged.count == 120)
        // The watcher on node 2 received all of them live, in order.
        var watched = await seqs(watcher, count: 120)
        #expect(watched == Array(1...120))
        // A node's read after another node's ack may trail it by the stream's delivery: wait for 120.
        var histories: [[[String]]] = []
        for node in nodes { histories.append(try await waitForHistory(node.port, conversationID, session, count: 120)) }
        #expect(histories[0].map { Int($0[0]) ?? 0 } == Array(1...120))
        #expect(histories[0] == histories[1] && histories[1] == histories[2])
        #expect(Set(histories[0].map { $0[1] }) == Set(acknowledged))
        // Each writer's messages keep the order they were acknowledged in.
        for index in 0..<3 {
            let mine = histories[0].map { $0[2] }.filter { $0.hasPrefix("n\(index)-") }
            #expect(mine == (0..<40).map { "n\(index)-\($0)" })
        }

        // SIGKILL node 2: its socket ends; 10 more go in through node 0; the client resumes on node 1.
        kill(nodes[2].process.processIdentifier, SIGKILL)
        #expect(await ParleyBinary.waitForExit(nodes[2].process, timeout: .seconds(10)))
        #expect(await watcher.closeCode() != 1000)
        for number in 0..<10 {
            let (status, _) = try await call(
                nodes[0].port, "POST", "/v1/messages", ["conversation_id": conversationID, "type": "text", "content": "r-\(number)"],
                visitor: session)
            #expect(status == 201)
        }
        let resumed = try await TestSocket.connect(port: nodes[1].port, path: socketPath)
        await resumed.send(["type": "resume", "positions": [conversationID: watched.max() ?? 0]])
        var recovered: Bool?
        while watched.count < 130 || recovered == nil, let frame = await resumed.next(timeout: .seconds(20)) {
            switch frame["type"] as? String {
            case "resumed": recovered = frame["recovered"] as? Bool
            case "message": if let seq = (frame["message"] as? [String: Any])?["seq"] as? Int { watched.append(seq) }
            default: break
            }
        }
        #expect(recovered == true)
        #expect(watched == Array(1...130))
        for socket in [sender, resumed, omni] { await socket.close() }

        // SIGKILL Redis and restart it: the surviving nodes reconnect; a write through node 1
        // continues the order after every acknowledged message.
        redis.kill()
        try redis.restart()
        var status = 0
        var message: [String: Any] = [:]
        for _ in 0..<50 where status != 201 {
            (status, message) = try await call(
                nodes[1].port, "POST", "/v1/messages", ["conversation_id": conversationID, "type": "text", "content": "after"],
                visitor: session)
            if status != 201 { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(status == 201)
        #expect(message["seq"] as? Int == 131)

        // Node 2 restarts from its data directory, and a fourth node starts empty: both catch up.
        nodes[2] = try await start(redis: redis.port, data: nodes[2].data)
        nodes.append(try await start(redis: redis.port))
        for node in nodes {
            let history = try await waitForHistory(node.port, conversationID, session, count: 131)
            #expect(history.map { Int($0[0]) ?? 0 } == Array(1...131))
            #expect(Array(history.prefix(120)) == histories[0])
        }
    }

    /// Typing and presence cross nodes (Redis pub/sub): an agent on node 1 sees a visitor on node
    /// 0 come online, type, and leave; the visitor sees the agent type. A file's bytes cross too.
    @Test func typingAndPresenceCrossNodes() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        var nodes: [Node] = []
        for _ in 0..<2 { nodes.append(try await start(redis: redis.port, extra: ["--presence-grace-seconds", "0"])) }
        defer { Node.stop(nodes) }
        #expect(try await ParleyBinary.run(["admin", "create-site", "--data-dir", nodes[0].data, "--name", "Shop"]).status == 0)
        let agent = try await ParleyBinary.run([
            "admin", "create-agent", "--data-dir", nodes[0].data, "--site-id", "site_1", "--username", "ann", "--email", "ann@shop.example",
            "--password", "correct horse", "--role", "owner",
        ])
        #expect(agent.status == 0, "\(agent.stderr)")
        let (loggedIn, login) = try await call(nodes[1].port, "POST", "/v1/auth/support/login", ["username": "ann", "password": "correct horse"])
        #expect(loggedIn == 200)
        let agentToken = try #require(login["token"] as? String)
        let (_, visitor) = try await call(nodes[0].port, "POST", "/v1/visitors", ["site_id": "site_1", "visitor_id": "v1", "name": "Vera"])
        let session = try #require(visitor["session_token"] as? String)
        let (_, conversation) = try await call(
            nodes[0].port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1"], visitor: session)
        let conversationID = try #require(conversation["id"] as? String)

        let support = try await ready(TestSocket.connect(port: nodes[1].port, path: "/ws?site_id=site_1&role=support&token=\(agentToken)"))
        let widget = try await ready(
            TestSocket.connect(port: nodes[0].port, path: "/ws?site_id=site_1&role=visitor&token=\(session)&visitor_id=v1"))
        let joined = await support.next("user_joined", timeout: .seconds(10))
        #expect(joined?["visitor_id"] as? String == "v1")
        await widget.send(["type": "typing_start", "conversation_id": conversationID])
        let typing = await support.next("typing_start", timeout: .seconds(10))
        #expect(typing?["visitor_id"] as? String == "v1")
        await support.send(["type": "typing_start", "conversation_id": conversationID])
        let agentTyping = await widget.next("typing_start", timeout: .seconds(10))
        #expect(agentTyping?["agent_id"] != nil)
        // REST on node 1 counts the visitor on node 0 as online.
        let visitorID = try #require(visitor["id"] as? String)
        let (_, seen) = try await call(nodes[1].port, "GET", "/v1/visitors/\(visitorID)", visitor: session)
        #expect(seen["status"] as? String == "online", "\(seen)")
        await widget.close()
        let left = await support.next("user_left", timeout: .seconds(10))
        #expect(left?["visitor_id"] as? String == "v1")
        await support.close()

        // A file uploaded through node 0 downloads byte-exact from node 1 (the bytes are shared
        // in Redis); deleted through node 1, node 0 no longer serves it.
        var payload = Array("%PDF-1.7\n".utf8)
        for index in 0..<100_000 { payload.append(UInt8(truncatingIfNeeded: index &* 31 &+ 7)) }
        let boundary = "cluster-boundary"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"invoice.pdf\"\r\n\r\n".utf8)
        body.append(contentsOf: payload)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var upload = URLRequest(url: URL(string: "http://127.0.0.1:\(nodes[0].port)/v1/files/upload")!)
        upload.httpMethod = "POST"
        upload.setValue("Bearer \(agentToken)", forHTTPHeaderField: "Authorization")
        upload.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        upload.httpBody = body
        let (answer, uploaded) = try await URLSession.shared.data(for: upload)
        #expect((uploaded as? HTTPURLResponse)?.statusCode == 201)
        let fileID = try #require(((try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["data"] as? [String: Any])?["id"] as? String)
        func download(_ port: Int) async throws -> (Int, [UInt8]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/files/\(fileID)/download")!)
            request.setValue("Bearer \(agentToken)", forHTTPHeaderField: "Authorization")
            let (bytes, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, Array(bytes))
        }
        var fetched = try await download(nodes[1].port)
        for _ in 0..<50 where fetched.0 == 404 {  // node 1 may not have applied the record yet
            try await Task.sleep(for: .milliseconds(50))
            fetched = try await download(nodes[1].port)
        }
        #expect(fetched.0 == 200)
        #expect(fetched.1 == payload, "byte-exact through another node")
        var delete = URLRequest(url: URL(string: "http://127.0.0.1:\(nodes[1].port)/v1/files/\(fileID)")!)
        delete.httpMethod = "DELETE"
        delete.setValue("Bearer \(agentToken)", forHTTPHeaderField: "Authorization")
        let (_, deleted) = try await URLSession.shared.data(for: delete)
        #expect((deleted as? HTTPURLResponse)?.statusCode == 204 || (deleted as? HTTPURLResponse)?.statusCode == 200)
        var gone = try await download(nodes[0].port)
        for _ in 0..<50 where gone.0 == 200 {
            try await Task.sleep(for: .milliseconds(50))
            gone = try await download(nodes[0].port)
        }
        #expect(gone.0 == 404)
    }

    /// A node refuses a Redis that acknowledges before its disk has the write, unless told
    /// `--redis-durability relaxed`; and an unreachable Redis is a clear start failure.
    @Test func aNodeRefusesARedisThatMayLoseAcknowledgedWrites() async throws {
        let redis = try RedisServerProcess(arguments: ["--appendfsync", "everysec"])
        defer { redis.stop() }
        let data = ParleyBinary.temporaryDirectory("cluster-refused")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let refused = try await ParleyBinary.run([
            "serve", "--port", "\(ParleyBinary.freePort())", "--data-dir", data, "--redis", "redis://127.0.0.1:\(redis.port)",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("appendfsync everysec") && refused.stderr.contains("--redis-durability relaxed"), "\(refused.stderr)")
        let relaxed = try await start(redis: redis.port, data: data, extra: ["--redis-durability", "relaxed"])
        kill(relaxed.process.processIdentifier, SIGKILL)
        _ = await ParleyBinary.waitForExit(relaxed.process, timeout: .seconds(10))
        let away = try await ParleyBinary.run(["serve", "--port", "\(ParleyBinary.freePort())", "--data-dir", data, "--redis", "redis://127.0.0.1:1"])
        #expect(away.status != 0 && away.stderr.contains("cannot start"), "\(away.stderr)")
    }

    private func ready(_ socket: TestSocket) async throws -> TestSocket {
        await socket.send(["type": "ping"])
        _ = try #require(await socket.next("pong"))
        return socket
    }

    /// The `seq` of each `message` frame a socket receives, until `count` or 20 s of silence.
    private func seqs(_ socket: TestSocket, count: Int) async -> [Int] {
        var seqs: [Int] = []
        while seqs.count < count, let frame = await socket.next("message", timeout: .seconds(20)) {
            if let seq = (frame["message"] as? [String: Any])?["seq"] as? Int { seqs.append(seq) }
        }
        return seqs
    }

    private func waitForHistory(_ port: Int, _ conversation: String, _ session: String, count: Int) async throws -> [[String]] {
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            let history = try await history(port, conversation, session)
            if history.count >= count || ContinuousClock.now > deadline { return history }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
