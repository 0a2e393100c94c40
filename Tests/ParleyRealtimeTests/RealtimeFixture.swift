import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import ParleyEngine
import ParleyHTTP
import ParleyModel
import ParleyRealtime
import ParleyServer
import ParleyStorage
import ParleyWebhooks
import Prometheus
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `ParleyServer` listening on a loopback port (`.live`), with one site, its owner
/// agent and a visitor, for tests over real WebSocket connections.
struct RealtimeFixture: Sendable {
    let server: ParleyServer
    let port: Int
    let site: Site
    let owner: Agent
    let agentToken: String

    static func withServer(
        realtime: RealtimeConfiguration = RealtimeConfiguration(presenceGrace: .milliseconds(300)),
        webhooks: WebhookConfiguration = WebhookConfiguration(),
        configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (RealtimeFixture) async throws -> Void
    ) async throws {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("parley-ws-\(UUID().uuidString)").path
        configuration.bcryptCost = 4
        configuration.port = 0
        configuration.rateLimits.enabled = false
        configuration.realtime = realtime
        configuration.webhooks = webhooks
        configure(&configuration)
        defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
        let quiet = Logger(label: "parley.test", factory: { _ in SwiftLogNoOpLogHandler() })
        let server = try await ParleyServer(configuration: configuration, registry: PrometheusCollectorRegistry(), logger: quiet)
        let site = try await server.broker.directory.createSite(name: "Shop", domain: "https://shop.example")
        let owner = try await server.broker.directory.createAgent(
            site: site.id, username: "ann", email: "ann@shop.example", password: "correct horse", role: .owner)
        try await server.application.test(.live) { client in
            let login = try await client.execute(
                uri: "/v1/auth/support/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"ann","password":"correct horse"}"#))
            let json = try JSONSerialization.jsonObject(with: Data(String(buffer: login.body).utf8)) as? [String: Any]
            let token = try #require((json?["data"] as? [String: Any])?["token"] as? String)
            let fixture = RealtimeFixture(server: server, port: try #require(client.port), site: site, owner: owner, agentToken: token)
            try await body(fixture)
        }
    }

    var siteID: String { NativeID.format(site.id) }

    /// Registers a visitor; returns its session token.
    func visitor(_ id: String, name: String = "Vera") async throws -> String {
        let (visitor, _) = try await server.broker.directory.registerVisitor(
            site: site.id, externalID: id, name: name, email: nil, metadataJSON: nil)
        return try await server.broker.accounts.issueVisitorSession(for: visitor.id)
    }

    /// An agent session, once the server has it registered.
    func agentSocket() async throws -> TestSocket {
        try await Self.ready(TestSocket.connect(port: port, path: "/ws?site_id=\(siteID)&role=support&token=\(agentToken)"))
    }

    /// A visitor session, once the server has it registered.
    func visitorSocket(_ id: String, token: String) async throws -> TestSocket {
        try await Self.ready(
            TestSocket.connect(port: port, path: "/ws?site_id=\(siteID)&role=visitor&token=\(token)&visitor_id=\(id)"))
    }

    /// A native REST call over a real connection to the same server, as the owner agent;
    /// returns the status and the envelope's `data`.
    func rest(
        _ method: String, _ path: String, json: [String: Any]? = nil, visitor: String? = nil, headers: [String: String] = [:]
    ) async throws -> (status: Int, data: [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let visitor {
            request.setValue(visitor, forHTTPHeaderField: "X-Visitor-Token")
        } else {
            request.setValue("Bearer \(agentToken)", forHTTPHeaderField: "Authorization")
        }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (body, response) = try await URLSession.shared.data(for: request)
        let envelope = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, envelope["data"] as? [String: Any] ?? [:])
    }

    /// A pong proves the session is authenticated and in the hub.
    static func ready(_ socket: TestSocket) async throws -> TestSocket {
        await socket.send(["type": "ping"])
        _ = try #require(await socket.next("pong"))
        return socket
    }
}
