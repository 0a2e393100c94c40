import Foundation
import ParleyTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// SIGTERM to the real `parley serve` with WebSocket sessions open: they are closed with 1001
/// (CONTRACT §6), and the process exits 0.
@Suite(.serialized) struct ShutdownTests {
    @Test func sigtermClosesSessionsWith1001() async throws {
        let data = ParleyBinary.temporaryDirectory("ws-sigterm")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let site = try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop", "--domain", "https://shop.example"])
        #expect(site.status == 0)
        let agent = try await ParleyBinary.run([
            "admin", "create-agent", "--data-dir", data, "--site-id", "site_1", "--username", "ann", "--email", "ann@shop.example",
            "--password", "correct horse", "--role", "owner",
        ])
        #expect(agent.status == 0)
        let (server, port) = try await ParleyBinary.serve(["--data-dir", data, "--bcrypt-cost", "4"])
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/auth/support/login")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"username":"ann","password":"correct horse"}"#.utf8)
        let (body, _) = try await URLSession.shared.data(for: request)
        let token = try #require(
            ((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [String: Any])?["token"] as? String)

        let sockets = try await (0..<3).asyncMap { _ in
            try await RealtimeFixture.ready(TestSocket.connect(port: port, path: "/ws?site_id=site_1&role=support&token=\(token)"))
        }
        kill(server.processIdentifier, SIGTERM)
        for socket in sockets { #expect(await socket.closeCode() == 1001) }
        #expect(await ParleyBinary.waitForExit(server, timeout: .seconds(20)))
        #expect(server.terminationStatus == 0)
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
