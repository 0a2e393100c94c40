import Foundation
import HTTPTypes
import ParleyHTTP
import Testing

@Suite struct OmniAuthTests {
    @Test func signUpLoginRefreshLogoutAcrossDialects() async throws {
        // More auth calls than the default 10 a minute: one budget spans both dialects.
        var limits = RateLimits()
        limits.authentication = 100
        try await APIFixture.withAPI(limits: limits) { _, client in
            let signUp: [String: Any] = [
                "email": "ivan@example.com", "password": "SecurePassword123", "first_name": "Ivan", "last_name": "Ivanov",
                "company_name": "Company LLC",
            ]
            let registered = try await client.call(.post, "/api/v1/auth/register", json: signUp)
            #expect(registered.status == .created)
            let data = try #require(registered.json["data"] as? [String: Any])
            #expect(data["token_type"] as? String == "bearer")
            #expect(data["site_id"] as? String == "site_1")
            #expect(data["user_id"] as? String == "user_1")
            let access = try #require(data["access_token"] as? String)
            let refresh = try #require(data["refresh_token"] as? String)

            // The same email cannot sign up twice; bad input is 422 with {detail, code}.
            let again = try await client.call(.post, "/api/v1/auth/register", json: signUp)
            #expect(again.status == .conflict)
            #expect(again.json["code"] as? String == "CONFLICT")
            #expect(again.json["detail"] as? String != nil)
            var bad = signUp
            bad["email"] = "not-an-email"
            #expect(try await client.call(.post, "/api/v1/auth/register", json: bad).status == .unprocessableContent)
            bad = signUp
            bad["password"] = "short"
            bad["email"] = "other@example.com"
            #expect(try await client.call(.post, "/api/v1/auth/register", json: bad).status == .unprocessableContent)
            #expect(try await client.call(.post, "/api/v1/auth/register", json: ["email": "x@y.io"]).status == .unprocessableContent)

            // The owner is an agent of the native dialect too: username = email.
            #expect(try await client.call(.get, "/v1/auth/validate", bearer: access).status == .ok)
            let native = try await client.call(
                .post, "/v1/auth/support/login", json: ["username": "ivan@example.com", "password": "SecurePassword123", "site_id": "site_1"])
            #expect(native.status == .ok)
            let site = try await client.call(.get, "/v1/sites/site_1", bearer: access)
            #expect(site.data["name"] as? String == "Company LLC")

            let login = try await client.call(.post, "/api/v1/auth/login", json: ["email": "IVAN@example.com", "password": "SecurePassword123"])
            #expect(login.status == .ok)
            let wrong = try await client.call(.post, "/api/v1/auth/login", json: ["email": "ivan@example.com", "password": "nope"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.json["code"] as? String == "INVALID_CREDENTIALS")

            let rotated = try await client.call(.post, "/api/v1/auth/refresh", json: ["refresh_token": refresh])
            let next = try #require((rotated.json["data"] as? [String: Any])?["access_token"] as? String)
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: ["refresh_token": refresh]).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/auth/validate", bearer: next).status == .unauthorized)

            let (fresh, _) = try await client.login("ivan@example.com", password: "SecurePassword123")
            #expect(try await client.call(.post, "/api/v1/auth/logout", bearer: fresh).status == .ok)
            #expect(try await client.call(.get, "/v1/auth/validate", bearer: fresh).status == .unauthorized)
            #expect(try await client.call(.post, "/api/v1/auth/logout").status == .unauthorized)
        }
    }
}
