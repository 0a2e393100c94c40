import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Creates what a scenario needs through the public REST API: a fresh site and its owner
/// (omni sign-up), visitors with session tokens, and their conversations.
struct LoadSetup: Sendable {
    let base: URL

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Account: Sendable {
        var siteID: String
        var token: String
    }

    struct Visitor: Sendable {
        var clientID: String
        var sessionToken: String
        var conversationID: String
    }

    func call(_ method: String, _ path: String, _ body: [String: any Sendable], headers: [String: String] = [:]) async throws
        -> [String: Any]
    {
        var request = URLRequest(url: base.appendingPathComponent(path))
        request.httpMethod = method
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status), let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let payload = json["data"] as? [String: Any]
        else {
            throw Failure(description: "\(method) \(path) answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return payload
    }

    /// A new site and its owner, through the public sign-up.
    func signUp() async throws -> Account {
        let email = "load-\(UUID().uuidString.prefix(8).lowercased())@load.example"
        let answer = try await call(
            "POST", "api/v1/auth/register",
            ["email": email, "password": "load-test-password", "company_name": "Load \(email)"])
        guard let site = answer["site_id"] as? String, let token = answer["access_token"] as? String else {
            throw Failure(description: "sign-up answered without site_id/access_token")
        }
        return Account(siteID: site, token: token)
    }

    /// A visitor with a session token and an open conversation.
    func visitor(site: String, index: Int) async throws -> Visitor {
        let clientID = "load-v\(index)-\(UUID().uuidString.prefix(8))"
        let registered = try await call("POST", "v1/visitors", ["site_id": site, "visitor_id": clientID, "name": "Load \(index)"])
        guard let session = registered["session_token"] as? String else { throw Failure(description: "no session_token") }
        let conversation = try await call(
            "POST", "v1/conversations", ["site_id": site, "visitor_id": clientID], headers: ["X-Visitor-Token": session])
        guard let id = conversation["id"] as? String else { throw Failure(description: "no conversation id") }
        return Visitor(clientID: clientID, sessionToken: session, conversationID: id)
    }

    /// A Prometheus counter from `/metrics` (0 when absent).
    func counter(_ name: String) async -> Double {
        guard let (data, _) = try? await URLSession.shared.data(from: base.appendingPathComponent("metrics")) else { return 0 }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }
}
