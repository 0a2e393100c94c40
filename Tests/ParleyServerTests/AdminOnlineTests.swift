import Foundation
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `parley admin` on a running server (issue 19): it finds the server that holds the data
/// directory, authenticates with the token the server keeps there (0600), acts on the live
/// state and prints what the offline command prints; a site's `sk_` key reaches its own site
/// only; after the server stops, the same commands work on the directory again.
@Suite(.serialized) struct AdminOnlineTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    static func admin(_ arguments: [String]) async throws -> ParleyBinary.Result {
        try await ParleyBinary.run(["admin"] + arguments)
    }

    @Test func adminCommandsReachTheRunningServer() async throws {
        let data = ParleyBinary.temporaryDirectory("admin-online")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let offlineSite = try Self.json(try await Self.admin(["create-site", "--data-dir", data, "--name", "Offline"]).stdout)
        let (server, port) = try await ParleyBinary.serve(["--data-dir", data, "--bcrypt-cost", "4"])
        defer { ParleyBinary.stop(server) }

        // The token is the server's user's alone.
        let attributes = try FileManager.default.attributesOfItem(atPath: data + "/admin-token")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        // Through the running server: the same JSON as offline, applied to the live state.
        let site = try Self.json(try await Self.admin(["create-site", "--data-dir", data, "--name", "Live", "--domain", "https://live.example"]).stdout)
        #expect(Set(site.keys) == Set(offlineSite.keys))
        #expect(site["site_id"] as? String == "site_2")
        let siteKey = try #require(site["secret_key"] as? String)
        let agent = try Self.json(
            try await Self.admin([
                "create-agent", "--data-dir", data, "--site-id", "site_2", "--username", "liv", "--email", "liv@live.example",
                "--password", "correct horse", "--role", "owner",
            ]).stdout)
        #expect(agent["site_id"] as? String == "site_2" && agent["role"] as? String == "owner")
        // The new agent logs in at once: the server itself made it.
        var login = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/auth/support/login")!)
        login.httpMethod = "POST"
        login.setValue("application/json", forHTTPHeaderField: "Content-Type")
        login.httpBody = Data(#"{"username":"liv","password":"correct horse"}"#.utf8)
        let (_, loginResponse) = try await URLSession.shared.data(for: login)
        #expect((loginResponse as? HTTPURLResponse)?.statusCode == 200)

        let retention = try Self.json(try await Self.admin(["set-retention", "--data-dir", data, "--site-id", "site_2", "--days", "30"]).stdout)
        #expect(retention["days"] as? Int == 30)

        // Seeding streams one line per acknowledged message, gapless per conversation.
        let seed = try await Self.admin(["seed", "--data-dir", data, "--conversations", "3", "--messages", "30", "--concurrency", "4"])
        #expect(seed.status == 0, "\(seed.stderr)")
        let acks = try seed.stdout.split(separator: "\n").map { try Self.json(String($0)) }
        #expect(acks.count == 30)
        var seqs: [String: [Int]] = [:]
        for ack in acks { seqs[ack["conversation_id"] as? String ?? "", default: []].append(ack["seq"] as? Int ?? 0) }
        #expect(seqs.count == 3)
        for (_, values) in seqs { #expect(values.sorted() == Array(1...values.count)) }

        let erased = try Self.json(try await Self.admin(["erase-visitor", "--data-dir", data, "--visitor-id", "visitor_1"]).stdout)
        #expect(erased["messages"] as? Int == 10 && erased["visitor_id"] as? String == "visitor_1")

        let status = try Self.json(try await Self.admin(["status", "--data-dir", data]).stdout)
        #expect(status["sites"] as? Int == 3 && status["conversations"] is Int && status["draining"] as? Bool == false)
        #expect(status["pid"] as? Int == Int(server.processIdentifier))

        // A site key: its own site only; making sites and the status are the operator's.
        let own = try await Self.admin([
            "create-agent", "--data-dir", data, "--token", siteKey, "--site-id", "site_2", "--username", "kim", "--email", "kim@live.example",
            "--password", "correct horse",
        ])
        #expect(own.status == 0, "\(own.stderr)")
        let other = try await Self.admin([
            "create-agent", "--data-dir", data, "--token", siteKey, "--site-id", "site_1", "--username", "kim", "--email", "kim@x.example",
            "--password", "correct horse",
        ])
        #expect(other.status == 1 && other.stderr.contains("NOT_FOUND"))
        let makeSite = try await Self.admin(["create-site", "--data-dir", data, "--token", siteKey, "--name", "Nope"])
        #expect(makeSite.status == 1 && makeSite.stderr.contains("FORBIDDEN"))
        let wrong = try await Self.admin(["status", "--server", "http://127.0.0.1:\(port)", "--token", "adm_" + String(repeating: "0", count: 64)])
        #expect(wrong.status == 1 && wrong.stderr.contains("UNAUTHORIZED"))
        let invalid = try await Self.admin(["set-retention", "--server", "http://127.0.0.1:\(port)", "--site-id", "site_2", "--days", "-1", "--data-dir", data])
        #expect(invalid.status == 2)

        // Stopped: server.json goes, and the same command works on the directory itself.
        server.terminate()
        #expect(await ParleyBinary.waitForExit(server, timeout: .seconds(20)))
        #expect(!FileManager.default.fileExists(atPath: data + "/server.json"))
        let after = try Self.json(try await Self.admin(["create-site", "--data-dir", data, "--name", "After"]).stdout)
        #expect(after["site_id"] as? String == "site_4")
        let offlineStatus = try await Self.admin(["status", "--data-dir", data])
        #expect(offlineStatus.status == 1 && offlineStatus.stderr.contains("no server holds"))
    }
}
