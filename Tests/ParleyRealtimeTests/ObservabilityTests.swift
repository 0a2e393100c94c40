import Foundation
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What an operator scrapes and probes, on the real `parley serve` (issue 19): the series of
/// every layer on `/metrics`, and `/ready` turning 503 when SIGTERM starts the drain.
@Suite(.serialized) struct ObservabilityTests {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// The samples of a Prometheus text exposition (comments skipped).
    static func samples(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { return nil }
            let series = line[..<space]
            guard let open = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            }
            return Sample(name: String(series[..<open]), labels: labels, value: value)
        }
    }

    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }

    static func request(_ port: Int, _ method: String, _ path: String, json: String? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        let (body, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, body)
    }

    /// A data directory with a site and its owner `ann`, and a server started on a free port and healthy.
    static func startServer(_ name: String) async throws -> (data: String, port: Int, server: Process) {
        let data = ParleyBinary.temporaryDirectory(name)
        _ = try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop", "--domain", "https://shop.example"])
        _ = try await ParleyBinary.run([
            "admin", "create-agent", "--data-dir", data, "--site-id", "site_1", "--username", "ann", "--email", "ann@shop.example",
            "--password", "correct horse", "--role", "owner",
        ])
        let (server, port) = try await ParleyBinary.serve(["--data-dir", data, "--bcrypt-cost", "4"])
        return (data, port, server)
    }

    @Test func everyLayerHasItsSeries() async throws {
        let (data, port, server) = try await Self.startServer("metrics")
        defer {
            ParleyBinary.stop(server)
            try? FileManager.default.removeItem(atPath: data)
        }
        let login = #"{"username":"ann","password":"correct horse"}"#
        let (status, body) = try await Self.request(port, "POST", "/v1/auth/support/login", json: login)
        #expect(status == 200)
        let token = try #require(
            ((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [String: Any])?["token"] as? String)
        let (refused, _) = try await Self.request(port, "POST", "/v1/auth/support/login", json: #"{"username":"ann","password":"wrong"}"#)
        #expect(refused == 401)
        let (missing, _) = try await Self.request(port, "GET", "/api/shared/v1/chats")
        #expect(missing == 401)

        // A native agent session: a frame each way, then a client close with 1000.
        // The admin API's token, in a header.
        let adminToken = try String(contentsOfFile: data + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var admin = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/admin/v1/status")!)
        admin.setValue("Bearer \(adminToken)", forHTTPHeaderField: "Authorization")
        let (_, adminResponse) = try await URLSession.shared.data(for: admin)
        #expect((adminResponse as? HTTPURLResponse)?.statusCode == 200)
        let socket = try await RawWebSocket.connect(port: port, path: "/ws?site_id=site_1&role=support&token=\(token)")
        socket.sendFrame(opcode: 0x1, Array(#"{"type":"ping"}"#.utf8))
        #expect(await socket.readText()?.contains("pong") == true)
        let (_, open) = try await Self.request(port, "GET", "/metrics")
        let during = Self.samples(String(decoding: open, as: UTF8.self))
        #expect(Self.value(during, "parley_websocket_sessions", ["dialect": "native", "role": "agent"]) == 1)
        socket.sendFrame(opcode: 0x8, [0x03, 0xE8])
        #expect(await socket.closeCode() == 1000)
        socket.close()

        var samples: [Sample] = []
        let deadline = ContinuousClock.now + .seconds(5)
        repeat {
            try await Task.sleep(for: .milliseconds(50))
            let (_, text) = try await Self.request(port, "GET", "/metrics")
            samples = Self.samples(String(decoding: text, as: UTF8.self))
        } while Self.value(samples, "parley_websocket_sessions", ["role": "agent"]) != 0 && ContinuousClock.now < deadline

        // HTTP, by dialect, route pattern and status class, with a latency histogram.
        #expect(Self.value(samples, "parley_http_requests_total", ["dialect": "native", "route": "/v1/auth/support/login", "status": "2xx"]) == 1)
        #expect(Self.value(samples, "parley_http_requests_total", ["dialect": "native", "status": "4xx"]) == 1)
        #expect(Self.value(samples, "parley_http_requests_total", ["dialect": "chats", "status": "4xx"]) == 1)
        #expect((Self.value(samples, "parley_http_request_duration_seconds_count", ["dialect": "native"]) ?? 0) >= 2)
        #expect(Self.value(samples, "parley_login_failures_total") == 1)
        // WebSocket sessions, frames and how they closed.
        #expect(Self.value(samples, "parley_websocket_sessions", ["dialect": "native", "role": "agent"]) == 0)
        #expect(Self.value(samples, "parley_websocket_sessions_opened_total", ["dialect": "native", "role": "agent"]) == 1)
        #expect(Self.value(samples, "parley_websocket_closes_total", ["code": "1000"]) == 1)
        #expect((Self.value(samples, "parley_websocket_frames_received_total", ["dialect": "native"]) ?? 0) >= 1)
        #expect((Self.value(samples, "parley_websocket_frames_sent_total", ["dialect": "native"]) ?? 0) >= 1)
        #expect(Self.value(samples, "parley_websocket_outbox_bytes") == 0)
        #expect(Self.value(samples, "parley_conversation_actors") != nil)
        // The log's own series, and the process's.
        #expect((Self.value(samples, "parley_log_fsyncs_total") ?? 0) >= 1)
        for name in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_max_fds"] {
            #expect((Self.value(samples, name) ?? 0) > 0, "\(name)")
        }
        let started = try #require(Self.value(samples, "process_start_time_seconds"))
        #expect(abs(started - Date().timeIntervalSince1970) < 120)
    }

    /// Every dialect's error body quotes the request's id (the `X-Request-Id` the client sent
    /// or the one the server made), where that dialect keeps details.
    @Test func errorBodiesCarryTheRequestID() async throws {
        let (data, port, server) = try await Self.startServer("error-ids")
        defer {
            ParleyBinary.stop(server)
            try? FileManager.default.removeItem(atPath: data)
        }
        let cases: [(path: String, method: String, keys: [String])] = [
            ("/v1/conversations", "GET", ["error", "details", "request_id"]),
            ("/api/v1/conversations", "GET", ["request_id"]),
            ("/api/shared/v1/chats", "GET", ["request_id"]),
            ("/v1/clients/1", "GET", ["error", "details", "request_id"]),
            (
                "/v1/projects/00000001-0000-4000-8000-000000000001/livechat/conversations/"
                    + "00000004-0000-4000-8000-000000000001/messages/operator", "POST", ["error", "details", "requestId"]
            ),
        ]
        for (index, item) in cases.enumerated() {
            for sent in ["err-\(index)", nil] {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(item.path)")!)
                request.httpMethod = item.method
                if let sent { request.setValue(sent, forHTTPHeaderField: "X-Request-Id") }
                let (body, response) = try await URLSession.shared.data(for: request)
                let http = try #require(response as? HTTPURLResponse)
                #expect(http.statusCode == 401, "\(item.path)")
                let header = try #require(http.value(forHTTPHeaderField: "X-Request-Id"))
                if let sent { #expect(header == sent) }
                var node: Any? = try JSONSerialization.jsonObject(with: body)
                for key in item.keys { node = (node as? [String: Any])?[key] }
                #expect(node as? String == header, "\(item.path): \(String(decoding: body, as: UTF8.self))")
            }
        }
    }

    @Test func readinessTurnsDrainingAtSIGTERM() async throws {
        let (data, port, server) = try await Self.startServer("ready")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let (ready, _) = try await Self.request(port, "GET", "/ready")
        #expect(ready == 200)
        // A session that never answers the close keeps the drain going for up to three
        // seconds, while the HTTP server still answers.
        let (_, body) = try await Self.request(port, "POST", "/v1/auth/support/login", json: #"{"username":"ann","password":"correct horse"}"#)
        let token = try #require(
            ((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [String: Any])?["token"] as? String)
        let lingering = try await RawWebSocket.connect(port: port, path: "/ws?site_id=site_1&role=support&token=\(token)")
        lingering.sendFrame(opcode: 0x1, Array(#"{"type":"ping"}"#.utf8))
        #expect(await lingering.readText()?.contains("pong") == true)
        kill(server.processIdentifier, SIGTERM)
        var draining = false
        let deadline = ContinuousClock.now + .seconds(3)
        while !draining, ContinuousClock.now < deadline {
            if let (status, _) = try? await Self.request(port, "GET", "/ready") { draining = status == 503 }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(draining)
        #expect(await ParleyBinary.waitForExit(server, timeout: .seconds(20)))
        #expect(server.terminationStatus == 0)
        lingering.close()
    }

    /// A run at `trace` with JSON logs: every line is one JSON object with time, level, label and
    /// message; request lines carry the request id the response names; and no password, access
    /// token or site key a client sent appears anywhere in the log.
    @Test func jsonLogsCarryRequestIDsAndNoSecrets() async throws {
        let data = ParleyBinary.temporaryDirectory("logs")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let site = try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop", "--domain", "https://shop.example"])
        let siteJSON = try JSONSerialization.jsonObject(with: Data(site.stdout.utf8)) as? [String: Any]
        let secretKey = try #require(siteJSON?["secret_key"] as? String)
        _ = try await ParleyBinary.run([
            "admin", "create-agent", "--data-dir", data, "--site-id", "site_1", "--username", "ann", "--email", "ann@shop.example",
            "--password", "correct horse", "--role", "owner",
        ])
        let logPath = data + "-server.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let port = ParleyBinary.freePort()
        let server = try ParleyBinary.start(
            ["serve", "--port", "\(port)", "--data-dir", data, "--bcrypt-cost", "4", "--log-level", "trace", "--log-format", "json"],
            stderr: log)
        #expect(await ParleyBinary.waitUntilHealthy(port: port))
        let (_, body) = try await Self.request(port, "POST", "/v1/auth/support/login", json: #"{"username":"ann","password":"correct horse"}"#)
        let token = try #require(
            ((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [String: Any])?["token"] as? String)
        _ = try await Self.request(port, "POST", "/v1/auth/support/login", json: #"{"username":"ann","password":"wrong horse battery"}"#)
        // The same secrets in headers, in a query and on the WebSocket URL.
        var keyed = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/conversations?token=\(token)")!)
        keyed.setValue("Bearer \(secretKey)", forHTTPHeaderField: "Authorization")
        keyed.setValue("trace-me-42", forHTTPHeaderField: "X-Request-Id")
        let (_, keyedResponse) = try await URLSession.shared.data(for: keyed)
        #expect((keyedResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "X-Request-Id") == "trace-me-42")
        // The admin API's token, in a header.
        let adminToken = try String(contentsOfFile: data + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var admin = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/admin/v1/status")!)
        admin.setValue("Bearer \(adminToken)", forHTTPHeaderField: "Authorization")
        let (_, adminResponse) = try await URLSession.shared.data(for: admin)
        #expect((adminResponse as? HTTPURLResponse)?.statusCode == 200)
        let socket = try await RawWebSocket.connect(port: port, path: "/ws?site_id=site_1&role=support&token=\(token)")
        socket.sendFrame(opcode: 0x1, Array(#"{"type":"ping"}"#.utf8))
        #expect(await socket.readText()?.contains("pong") == true)
        socket.close()
        kill(server.processIdentifier, SIGTERM)
        #expect(await ParleyBinary.waitForExit(server, timeout: .seconds(20)))
        try log.close()

        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count >= 5)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["time"] is String && object?["level"] is String && object?["label"] is String && object?["message"] is String, "\(line)")
        }
        #expect(text.contains(#""parley.request_id":"trace-me-42""#))
        for secret in ["correct horse", "wrong horse battery", token, secretKey, adminToken] {
            #expect(!text.contains(secret), "a secret is in the log: \(secret.prefix(6))…")
        }
    }
}

