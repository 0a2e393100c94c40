import Foundation
import HTTPTypes
import JWTKit
import ParleyModel
import Testing

@Suite struct NativeAuthTests {
    @Test func loginValidateRefreshAndLogout() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let login = try await client.call(
                .post, "/v1/auth/support/login", json: ["username": "OWNER@shop.example", "password": "correct horse", "site_id": NativeID.format(site.id)])
            #expect(login.status == .ok)
            #expect(login.data["expires_in"] as? Int == 3600)
            #expect((login.data["user"] as? [String: Any])?["id"] as? String == NativeID.format(owner.id))
            let token = try #require(login.data["token"] as? String)
            let refresh = try #require(login.data["refresh_token"] as? String)

            let valid = try await client.call(.get, "/v1/auth/validate", bearer: token)
            #expect(valid.data["valid"] as? Bool == true)

            let refreshed = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": refresh])
            #expect(refreshed.status == .ok)
            let rotated = try #require(refreshed.data["refresh_token"] as? String)
            #expect(rotated != refresh)
            let newToken = try #require(refreshed.data["token"] as? String)

            // Reuse of the spent token revokes the family: the rotated token and the access tokens die too.
            let reuse = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": refresh])
            #expect(reuse.status == .unauthorized)
            #expect(try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": rotated]).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/auth/validate", bearer: newToken).status == .unauthorized)

            // A new login, then logout: its access token stops working.
            let (second, _) = try await client.login("owner-shop")
            #expect(try await client.call(.post, "/v1/auth/logout", bearer: second).status == .ok)
            #expect(try await client.call(.get, "/v1/auth/validate", bearer: second).status == .unauthorized)
        }
    }

    @Test func badCredentialsAreOneAnswer() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            for body: [String: Any] in [
                ["username": "owner-shop", "password": "wrong horse"],
                ["username": "nobody", "password": "correct horse"],
                ["username": "owner-shop", "password": "correct horse", "site_id": "site_99"],
            ] {
                let response = try await client.call(.post, "/v1/auth/support/login", json: body)
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "INVALID_CREDENTIALS")
            }
            let malformed = try await client.call(
                .post, "/v1/auth/support/login", json: ["username": "owner-shop", "password": "x", "site_id": NativeID.format(site.id) + "x"])
            #expect(malformed.status == .badRequest)
            #expect(try await client.call(.post, "/v1/auth/support/login", json: ["username": "owner-shop"]).errorCode == "VALIDATION_ERROR")
            #expect(try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": "rt_forged"]).status == .unauthorized)
        }
    }

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var typ: String
        var site: String
        var fam: UInt64
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test func forgedExpiredAlgNoneAndWrongAudienceTokensAre401() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let (good, _) = try await client.login("owner-shop")
            #expect(try await client.call(.get, "/v1/auth/validate", bearer: good).status == .ok)
            let family: UInt64 = 1
            func claims(aud: String = "parley", typ: String = "access", expiresIn: TimeInterval = 600) -> Claims {
                Claims(
                    sub: .init(value: NativeID.format(owner.id)), aud: .init(value: [aud]),
                    exp: .init(value: Date().addingTimeInterval(expiresIn)), iat: .init(value: Date()), typ: typ,
                    site: NativeID.format(site.id), fam: family)
            }
            let real = JWTKeyCollection()
            await real.add(hmac: HMACKey(from: try fixture.jwtSecret()), digestAlgorithm: .sha256)
            let forger = JWTKeyCollection()
            await forger.add(hmac: HMACKey(from: Array(repeating: UInt8(7), count: 32)), digestAlgorithm: .sha256)
            // Sanity: a token made with the real key and right claims is accepted.
            #expect(try await client.call(.get, "/v1/auth/validate", bearer: try await real.sign(claims())).status == .ok)
            var bad: [String] = [
                try await forger.sign(claims()),
                try await real.sign(claims(aud: "someone-else")),
                try await real.sign(claims(typ: "refresh")),
                // Expired and forged: the signature decides first, so not TOKEN_EXPIRED.
                try await forger.sign(claims(expiresIn: -60)),
                try await real.sign(claims(aud: "someone-else", expiresIn: -60)),
                "not-a-jwt", "a.b.c", "",
            ]
            // alg: none, with the real claims.
            let payload = try JSONEncoder().encode(claims()).base64URLEncoded()
            bad.append(#"{"alg":"none","typ":"JWT"}"#.data(using: .utf8)!.base64URLEncoded() + "." + payload + ".")
            for token in bad {
                let response = try await client.call(.get, "/v1/auth/validate", bearer: token)
                #expect(response.status == .unauthorized, "accepted \(token)")
                #expect(response.errorCode == "UNAUTHORIZED")
            }
            #expect(try await client.call(.get, "/v1/auth/validate").status == .unauthorized)
            #expect(try await client.call(.get, "/v1/auth/validate", headers: ["Authorization": "Basic abc"]).status == .unauthorized)

            // Ours and past its exp: the seed's distinct TOKEN_EXPIRED, on every authenticated route.
            let expired = try await real.sign(claims(expiresIn: -60))
            for uri in ["/v1/auth/validate", "/v1/conversations", "/v1/agents"] {
                let response = try await client.call(.get, uri, bearer: expired)
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "TOKEN_EXPIRED", "\(uri)")
            }
        }
    }

    @Test func accessTokenTimesAreWholeSeconds() async throws {
        try await APIFixture.withAPI { fixture, client in
            _ = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let parts = token.split(separator: ".")
            #expect(parts.count == 3)
            var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while payload.count % 4 != 0 { payload += "=" }
            let decoded = try #require(Data(base64Encoded: payload))
            let json = String(decoding: decoded, as: UTF8.self)
            let claims = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            // The raw text, not a parsed Double: `"iat":1796173456` with no fraction.
            #expect(json.range(of: #""iat":[0-9]+[,}]"#, options: .regularExpression) != nil, "\(json)")
            #expect(json.range(of: #""exp":[0-9]+[,}]"#, options: .regularExpression) != nil, "\(json)")
            let iat = try #require(claims["iat"] as? NSNumber).doubleValue
            let exp = try #require(claims["exp"] as? NSNumber).doubleValue
            #expect(exp - iat == 3600)
            #expect(abs(iat - Date().timeIntervalSince1970) < 120)
        }
    }
}

extension Data {
    func base64URLEncoded() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
