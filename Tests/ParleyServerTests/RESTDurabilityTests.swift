import Foundation
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// 500 acknowledged sends over real HTTP, then SIGKILL (or SIGTERM), restart on the same data
/// directory: all 500 are there, in order, `seq` 1…500.
@Suite(.serialized) struct RESTDurabilityTests {
    struct Server {
        let process: Process
        let port: Int
    }

    func start(_ data: String) async throws -> Server {
        let (process, port) = try await ParleyBinary.serve(["--data-dir", data, "--bcrypt-cost", "4", "--rate-limits", "off"])
        return Server(process: process, port: port)
    }

    func call(_ port: Int, _ method: String, _ path: String, _ body: [String: Any]? = nil, visitor: String? = nil) async throws
        -> (Int, [String: Any])
    {
        let (status, data, _) = try await exchange(port, method, path, body, visitor: visitor)
        return (status, data)
    }

    func exchange(
        _ port: Int, _ method: String, _ path: String, _ body: [String: Any]? = nil, visitor: String? = nil,
        idempotencyKey: String? = nil
    ) async throws -> (Int, [String: Any], HTTPURLResponse?) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let visitor { request.setValue(visitor, forHTTPHeaderField: "X-Visitor-Token") }
        if let idempotencyKey { request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, json["data"] as? [String: Any] ?? [:], http)
    }

    /// A create with an `Idempotency-Key`, SIGKILL, restart: the retry gets the first answer
    /// (marked replayed) and creates nothing; another body with the key is still a 409.
    @Test func anIdempotentCreateIsAnsweredAgainAfterKill9() async throws {
        let data = ParleyBinary.temporaryDirectory("rest-idempotency")
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop"]).status == 0)
        var server = try await start(data)
        let (_, visitor) = try await call(server.port, "POST", "/v1/visitors", ["site_id": "site_1", "visitor_id": "v1", "name": "Vera"])
        let session = try #require(visitor["session_token"] as? String)
        let (status, first, _) = try await exchange(
            server.port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1", "subject": "Refund"], visitor: session,
            idempotencyKey: "open-refund")
        #expect(status == 201)
        kill(server.process.processIdentifier, SIGKILL)
        #expect(await ParleyBinary.waitForExit(server.process, timeout: .seconds(10)))

        server = try await start(data)
        defer { ParleyBinary.stop(server.process) }
        let (again, replayed, response) = try await exchange(
            server.port, "POST", "/v1/conversations", ["subject": "Refund", "visitor_id": "v1", "site_id": "site_1"], visitor: session,
            idempotencyKey: "open-refund")
        #expect(again == 201)
        #expect(replayed["id"] as? String == first["id"] as? String)
        #expect(response?.value(forHTTPHeaderField: "Idempotent-Replayed") == "true")
        let (conflict, _, _) = try await exchange(
            server.port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1", "subject": "Other"], visitor: session,
            idempotencyKey: "open-refund")
        #expect(conflict == 409)
    }

    @Test(arguments: [SIGKILL, SIGTERM])
    func fiveHundredAcknowledgedSendsSurviveTheStop(signal: Int32) async throws {
        let data = ParleyBinary.temporaryDirectory("rest-\(signal)")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let created = try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop"])
        #expect(created.status == 0)
        var server = try await start(data)
        let (status, visitor) = try await call(server.port, "POST", "/v1/visitors", ["site_id": "site_1", "visitor_id": "v1", "name": "Vera"])
        #expect(status == 201)
        let session = try #require(visitor["session_token"] as? String)
        let (_, conversation) = try await call(server.port, "POST", "/v1/conversations", ["site_id": "site_1", "visitor_id": "v1"], visitor: session)
        let conversationID = try #require(conversation["id"] as? String)
        for index in 1...500 {
            let (code, message) = try await call(
                server.port, "POST", "/v1/messages", ["conversation_id": conversationID, "type": "text", "content": "m\(index)"], visitor: session)
            #expect(code == 201)
            #expect(message["seq"] as? Int == index)
        }
        kill(server.process.processIdentifier, signal)
        #expect(await ParleyBinary.waitForExit(server.process, timeout: .seconds(10)))
        if signal == SIGTERM { #expect(server.process.terminationStatus == 0) }

        server = try await start(data)
        defer { ParleyBinary.stop(server.process) }
        let (_, newest) = try await call(server.port, "GET", "/v1/messages?conversation_id=\(conversationID)&limit=1", visitor: session)
        #expect((newest["messages"] as? [[String: Any]])?.first?["seq"] as? Int == 500)
        // Walk the whole history oldest → newest with `after`, starting just before seq 1.
        var collected: [(Int, String)] = []
        var cursor = try await firstMessageID(server.port, conversationID, session)
        collected.append((1, "m1"))
        while true {
            let (_, body) = try await call(server.port, "GET", "/v1/messages?conversation_id=\(conversationID)&limit=100&after=\(cursor)", visitor: session)
            let messages = body["messages"] as? [[String: Any]] ?? []
            collected += messages.map { ($0["seq"] as? Int ?? 0, $0["content"] as? String ?? "") }
            guard body["has_more"] as? Bool == true, let last = messages.last?["id"] as? String else { break }
            cursor = last
        }
        #expect(collected.map(\.0) == Array(1...500))
        #expect(collected.map(\.1) == (1...500).map { "m\($0)" })
    }

    /// The id of the oldest message, found by paging back from the newest.
    func firstMessageID(_ port: Int, _ conversation: String, _ session: String) async throws -> String {
        var (_, body) = try await call(port, "GET", "/v1/messages?conversation_id=\(conversation)&limit=100", visitor: session)
        while body["has_more"] as? Bool == true, let oldest = (body["messages"] as? [[String: Any]])?.first?["id"] as? String {
            (_, body) = try await call(port, "GET", "/v1/messages?conversation_id=\(conversation)&limit=100&before=\(oldest)", visitor: session)
        }
        let first = (body["messages"] as? [[String: Any]])?.first
        #expect(first?["seq"] as? Int == 1)
        #expect(first?["content"] as? String == "m1")
        return first?["id"] as? String ?? ""
    }
}
