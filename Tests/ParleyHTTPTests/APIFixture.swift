import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ParleyAI
import ParleyEngine
import ParleyHTTP
import ParleyModel
import ParleyServer
import ParleyStorage
import Prometheus
import Testing

/// A real `ParleyServer` on a temporary data directory, with two sites (two tenants), driven
/// through `app.test(.router)`.
struct APIFixture {
    let server: ParleyServer
    let dataDirectory: String

    static func make(limits: RateLimits = RateLimits(), ai: AIConfiguration = AIConfiguration()) async throws -> APIFixture {
        var configuration = ServerConfiguration()
        configuration.rateLimits = limits
        configuration.ai = ai
        configuration.dataDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("parley-api-\(UUID().uuidString)").path
        configuration.bcryptCost = 4
        configuration.port = 0
        let quiet = Logger(label: "parley.test", factory: { _ in SwiftLogNoOpLogHandler() })
        let server = try await ParleyServer(configuration: configuration, registry: PrometheusCollectorRegistry(), logger: quiet)
        return APIFixture(server: server, dataDirectory: configuration.dataDirectory)
    }

    func close() {
        server.store.close()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// Runs `body` against the router, then closes the store and removes the directory.
    static func withAPI(
        limits: RateLimits = RateLimits(), ai: AIConfiguration = AIConfiguration(),
        _ body: @Sendable (APIFixture, any TestClientProtocol) async throws -> Void
    ) async throws {
        let fixture = try await make(limits: limits, ai: ai)
        defer { fixture.close() }
        try await fixture.server.application.test(.router) { client in try await body(fixture, client) }
    }

    /// A site with an owner agent `owner@<name>.example` / "correct horse".
    func makeTenant(_ name: String) async throws -> (site: Site, owner: Agent) {
        let site = try await server.broker.directory.createSite(name: name, domain: "https://\(name).example")
        let owner = try await server.broker.directory.createAgent(
            site: site.id, username: "owner-\(name)", email: "owner@\(name).example", password: "correct horse", role: .owner)
        return (site, owner)
    }

    /// Sites "shop" and "rival" with their owners, and shop's plain agent `bob`; their access tokens.
    func shopRivalAndAgent(_ client: some TestClientProtocol) async throws -> (site: Site, owner: String, rival: String, agent: String) {
        let (site, _) = try await makeTenant("shop")
        _ = try await makeTenant("rival")
        _ = try await server.broker.directory.createAgent(
            site: site.id, username: "bob", email: "bob@shop.example", password: "correct horse", role: .agent)
        return (site, try await client.login("owner-shop").0, try await client.login("owner-rival").0, try await client.login("bob").0)
    }

    func jwtSecret() throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: dataDirectory + "/jwt-secret")))
    }
}

/// The parsed native envelope of a response.
struct Envelope {
    let status: HTTPResponse.Status
    let json: [String: Any]

    var success: Bool { json["success"] as? Bool ?? false }
    var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }

    init(_ response: TestResponse) throws {
        status = response.status
        guard response.body.readableBytes > 0 else {
            json = [:]  // 204 No Content
            return
        }
        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
        json = object as? [String: Any] ?? [:]
    }
}

extension TestClientProtocol {
    /// Sends JSON (or raw text) with optional headers and parses the envelope.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, raw: String? = nil, bearer: String? = nil,
        visitor: String? = nil, headers extra: [String: String] = [:]
    ) async throws -> Envelope {
        var headers = HTTPFields()
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if let visitor { headers[HTTPField.Name("X-Visitor-Token")!] = visitor }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: json)))
        } else if let raw {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: raw)
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            let envelope = try Envelope(response)
            #expect(response.status.code < 500, "\(method) \(uri) answered \(response.status)")
            return envelope
        }
    }

    /// Logs in and returns (access token, refresh token).
    func login(_ username: String, password: String = "correct horse", site: String? = nil) async throws -> (String, String) {
        var body: [String: Any] = ["username": username, "password": password]
        if let site { body["site_id"] = site }
        let response = try await call(.post, "/v1/auth/support/login", json: body)
        #expect(response.status == .ok)
        return (response.data["token"] as? String ?? "", response.data["refresh_token"] as? String ?? "")
    }

    /// Registers a visitor and returns (native id, session token).
    func registerVisitor(site: String, id: String, name: String = "Vera") async throws -> (String, String) {
        let response = try await call(.post, "/v1/visitors", json: ["site_id": site, "visitor_id": id, "name": name])
        return (response.data["id"] as? String ?? "", response.data["session_token"] as? String ?? "")
    }
}
