import Foundation
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An acknowledged knowledge document is searchable after `kill -9` (the index is rebuilt from
/// the log), and after a restart from a snapshot (SIGTERM writes one); a deleted one stays gone.
@Suite(.serialized) struct KnowledgeDurabilityTests {
    func start(_ data: String) async throws -> (process: Process, port: Int) {
        try await ParleyBinary.serve(["--data-dir", data, "--bcrypt-cost", "4", "--rate-limits", "off"])
    }

    func call(_ port: Int, _ method: String, _ path: String, key: String, body: Data? = nil, type: String = "application/json") async throws
        -> (Int, [String: Any])
    {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1\(path)")!)
        request.httpMethod = method
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        request.setValue(type, forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    func upload(_ port: Int, key: String, name: String, text: String) async throws -> String? {
        let boundary = "kb-boundary"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n\(name)\r\n".utf8)
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name).txt\"\r\n\r\n\(text)\r\n--\(boundary)--\r\n".utf8))
        let (status, json) = try await call(port, "POST", "/knowledge/documents", key: key, body: body, type: "multipart/form-data; boundary=\(boundary)")
        #expect(status == 201)
        return (json["data"] as? [String: Any])?["id"] as? String
    }

    func titles(_ port: Int, key: String, query: String) async throws -> [String] {
        let body = try JSONSerialization.data(withJSONObject: ["query": query, "limit": 5])
        let (status, json) = try await call(port, "POST", "/knowledge/search", key: key, body: body)
        #expect(status == 200)
        return ((json["data"] as? [String: Any])?["results"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
    }

    @Test func documentsSurviveKill9AndSnapshots() async throws {
        let data = ParleyBinary.temporaryDirectory("knowledge-kill9")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let created = try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop"])
        let site = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        let key = try #require(site?["secret_key"] as? String)
        var server = try await start(data)
        _ = try await upload(server.port, key: key, name: "Returns", text: "Возврат товаров возможен в течение 14 дней.")
        let gone = try #require(try await upload(server.port, key: key, name: "Old", text: "Устаревшие правила доставки курьером."))
        #expect(try await call(server.port, "DELETE", "/knowledge/documents/\(gone)", key: key).0 == 204)
        kill(server.process.processIdentifier, SIGKILL)
        #expect(await ParleyBinary.waitForExit(server.process, timeout: .seconds(10)))

        server = try await start(data)
        #expect(try await titles(server.port, key: key, query: "вернуть товар") == ["Returns"])
        #expect(try await titles(server.port, key: key, query: "доставка курьером").isEmpty, "a deleted document stays deleted")
        kill(server.process.processIdentifier, SIGTERM)
        #expect(await ParleyBinary.waitForExit(server.process, timeout: .seconds(10)))

        server = try await start(data)
        defer { ParleyBinary.stop(server.process) }
        #expect(try await titles(server.port, key: key, query: "возврат") == ["Returns"])
        let (_, list) = try await call(server.port, "GET", "/knowledge/documents", key: key)
        #expect((list["meta"] as? [String: Any])?["total"] as? Int == 1)
    }
}
