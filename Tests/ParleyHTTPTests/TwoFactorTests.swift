import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyEngine
import ParleyHTTP
import ParleyModel
import Testing

/// Two-factor login: RFC 6238's published vectors, then the whole flow over HTTP in both
/// dialects — enable, verify, TOTP_REQUIRED without a code, a used step refused, backup codes
/// single use, disable.
@Suite struct TwoFactorTests {
    /// RFC 6238 appendix B (SHA-1, 8 digits), with the RFC's 20-byte ASCII secret.
    @Test func rfc6238TestVectors() {
        let secret = Array("12345678901234567890".utf8)
        let vectors: [(Int64, String)] = [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
        ]
        for (time, expected) in vectors {
            #expect(TOTP.code(secret: secret, step: TOTP.step(at: time), digits: 8) == expected, "T=\(time)")
        }
        // Six digits are the last six of the same number.
        #expect(TOTP.code(secret: secret, step: TOTP.step(at: 59)) == "287082")
        #expect(TOTP.matchingStep(secret: secret, code: "287082", at: 59) == 1)
        #expect(TOTP.matchingStep(secret: secret, code: "287082", at: 59 + 30) == 1, "one step of drift")
        #expect(TOTP.matchingStep(secret: secret, code: "287082", at: 59 + 90) == nil)
        #expect(TOTP.matchingStep(secret: secret, code: "28708x", at: 59) == nil)
        // RFC 4648 base32.
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.encode(secret) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(Base32.decode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq") == secret)
        #expect(Base32.decode("MZXW6YTBOI======") == Array("foobar".utf8))
        #expect(Base32.decode("0189") == nil)
    }

    static func code(_ secret: String, offset: Int64 = 0) throws -> String {
        let bytes = try #require(Base32.decode(secret))
        return TOTP.code(secret: bytes, step: UInt64(Int64(TOTP.step(at: Int64(Date().timeIntervalSince1970))) + offset))
    }

    @Test func twoFactorLoginInBothDialects() async throws {
        // Generous budgets: this test logs in many times, and wrong codes count as failed logins.
        var limits = RateLimits()
        limits.authentication = 1000
        limits.loginFailuresPerAccount = 100
        try await APIFixture.withAPI(limits: limits) { fixture, client in
            _ = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let omniLogin: [String: Any] = ["email": "owner@shop.example", "password": "correct horse"]
            let nativeLogin: [String: Any] = ["username": "owner-shop", "password": "correct horse"]

            let enrolled = try await client.call(.post, "/api/v1/auth/2fa/enable", bearer: token)
            #expect(enrolled.status == .ok)
            let secret = try #require(enrolled.data["secret"] as? String)
            #expect((enrolled.data["qr_code_url"] as? String)?.hasPrefix("otpauth://totp/Parley:owner@shop.example?secret=\(secret)&issuer=Parley") == true)
            let backups = try #require(enrolled.data["backup_codes"] as? [String])
            #expect(backups.count == 10 && backups.allSatisfy { $0.count == 8 && $0.allSatisfy(\.isNumber) })
            // Pending: logins need no code yet; a wrong first code does not turn it on.
            #expect(try await client.call(.post, "/api/v1/auth/login", json: omniLogin).status == .ok)
            #expect(try await client.call(.post, "/api/v1/auth/2fa/verify", json: ["code": "000000"], bearer: token).status == .unprocessableContent)
            let first = try Self.code(secret)
            let verified = try await client.call(.post, "/api/v1/auth/2fa/verify", json: ["code": first], bearer: token)
            #expect(verified.status == .ok)
            #expect(verified.data["enabled"] as? Bool == true)
            #expect(try await client.call(.post, "/api/v1/auth/2fa/enable", bearer: token).status == .conflict)

            // On: both dialects want the code.
            for (path, body) in [("/api/v1/auth/login", omniLogin), ("/v1/auth/support/login", nativeLogin)] {
                let refused = try await client.call(.post, path, json: body)
                #expect(refused.status == .unauthorized)
                let code = (refused.json["code"] as? String) ?? refused.errorCode
                #expect(code == "TOTP_REQUIRED", "\(path)")
            }
            var withCode = omniLogin
            withCode["totp_code"] = first
            #expect(try await client.call(.post, "/api/v1/auth/login", json: withCode).status == .unauthorized, "the verify step is used")
            withCode["totp_code"] = try Self.code(secret, offset: 1)
            #expect(try await client.call(.post, "/api/v1/auth/login", json: withCode).status == .ok)
            #expect(try await client.call(.post, "/api/v1/auth/login", json: withCode).status == .unauthorized, "a step works once")
            // Backup codes: single use, in the native dialect too; a wrong password stays wrong.
            var native = nativeLogin
            native["totp_code"] = backups[0]
            #expect(try await client.call(.post, "/v1/auth/support/login", json: native).status == .ok)
            #expect(try await client.call(.post, "/v1/auth/support/login", json: native).errorCode == "TOTP_REQUIRED")
            native["password"] = "wrong horse"
            native["totp_code"] = backups[1]
            #expect(try await client.call(.post, "/v1/auth/support/login", json: native).errorCode == "INVALID_CREDENTIALS")

            // Off again, with a current code (a backup code here); then no code is needed.
            #expect(try await client.call(.post, "/api/v1/auth/2fa/disable", json: ["code": "12345678"], bearer: token).status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/auth/2fa/disable", json: ["code": backups[2]], bearer: token).status == .ok)
            #expect(try await client.call(.post, "/api/v1/auth/login", json: omniLogin).status == .ok)
            #expect(try await client.call(.post, "/api/v1/auth/2fa/disable", json: ["code": backups[3]], bearer: token).status == .conflict)
            // Agents only.
            #expect(try await client.call(.post, "/api/v1/auth/2fa/enable").status == .unauthorized)
        }
    }
}

/// Wrong codes are failed logins: the account locks as it does for wrong passwords.
@Suite struct TwoFactorThrottleTests {
    @Test func wrongCodesLockTheAccount() async throws {
        var limits = RateLimits()
        limits.authentication = 1000
        limits.loginFailuresPerAccount = 3
        try await APIFixture.withAPI(limits: limits) { fixture, client in
            _ = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let secret = try #require(try await client.call(.post, "/api/v1/auth/2fa/enable", bearer: token).data["secret"] as? String)
            #expect(try await client.call(.post, "/api/v1/auth/2fa/verify", json: ["code": try TwoFactorTests.code(secret)], bearer: token).status == .ok)
            for guess in ["000000", "111111", "222222"] {
                let response = try await client.call(
                    .post, "/api/v1/auth/login", json: ["email": "owner@shop.example", "password": "correct horse", "totp_code": guess])
                #expect(response.status == .unauthorized)
            }
            let locked = try await client.call(
                .post, "/api/v1/auth/login",
                json: ["email": "owner@shop.example", "password": "correct horse", "totp_code": try TwoFactorTests.code(secret, offset: 1)])
            #expect(locked.status == .tooManyRequests, "even the right code waits once the account is locked")
        }
    }
}
