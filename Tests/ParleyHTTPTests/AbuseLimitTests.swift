import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ParleyHTTP
import ParleyModel
import Testing

@Suite struct AbuseLimitTests {
    @Test func messagesPastTheMinuteLimitAre429WithRetryAfter() async throws {
        // 5 per minute: a token comes back only every 12 s, so the test cannot race the refill.
        var limits = RateLimits()
        limits.messages = 5
        try await APIFixture.withAPI(limits: limits) { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let (_, session) = try await client.registerVisitor(site: NativeID.format(site.id), id: "v1")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": NativeID.format(site.id), "visitor_id": "v1"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)
            for index in 1...5 {
                let sent = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "\(index)"], visitor: session)
                #expect(sent.status == .created)
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[HTTPField.Name("X-Visitor-Token")!] = session
            let body = #"{"conversation_id":"\#(conversation)","content":"one too many"}"#
            try await client.execute(uri: "/v1/messages", method: .post, headers: headers, body: .init(string: body)) { response in
                #expect(response.status == .tooManyRequests)
                #expect((1...12).contains(Int(response.headers[.retryAfter] ?? "") ?? 0))
                #expect(String(buffer: response.body).contains("RATE_LIMITED"))
            }
            // Reading is another class and still allowed.
            #expect(try await client.call(.get, "/v1/messages?conversation_id=\(conversation)", visitor: session).status == .ok)
        }
    }

    @Test func aFreshLoginDoesNotRefillTheBudget() async throws {
        var limits = RateLimits()
        limits.messages = 2
        try await APIFixture.withAPI(limits: limits) { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let (_, session) = try await client.registerVisitor(site: NativeID.format(site.id), id: "v1")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": NativeID.format(site.id), "visitor_id": "v1"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)
            let (first, _) = try await client.login("owner-shop")
            for index in 1...2 {
                let sent = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "\(index)"], bearer: first)
                #expect(sent.status == .created)
            }
            let (second, _) = try await client.login("owner-shop")
            let third = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "3"], bearer: second)
            #expect(third.status == .tooManyRequests)
        }
    }

    @Test func failedLoginsCountAcrossDialects() async throws {
        try await APIFixture.withAPI { fixture, client in
            _ = try await fixture.makeTenant("shop")
            for _ in 0..<5 {
                #expect(try await client.call(.post, "/api/v1/auth/login", json: ["email": "owner@shop.example", "password": "guess"]).status == .unauthorized)
            }
            let native = try await client.call(.post, "/v1/auth/support/login", json: ["username": "owner@shop.example", "password": "correct horse"])
            #expect(native.status == .tooManyRequests)
        }
    }

    @Test func repeatedFailedLoginsLockTheAccount() async throws {
        try await APIFixture.withAPI { fixture, client in
            _ = try await fixture.makeTenant("shop")
            for _ in 0..<5 {
                let failed = try await client.call(.post, "/v1/auth/support/login", json: ["username": "owner-shop", "password": "guess"])
                #expect(failed.status == .unauthorized)
            }
            // Even the right password is refused while the account is locked.
            let locked = try await client.call(.post, "/v1/auth/support/login", json: ["username": "owner-shop", "password": "correct horse"])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.errorCode == "RATE_LIMITED")
        }
    }

    @Test func idempotencyKeysReplayOrConflict() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, _) = try await fixture.makeTenant("shop")
            let siteID = NativeID.format(site.id)
            let (token, _) = try await client.login("owner-shop")
            _ = try await client.registerVisitor(site: siteID, id: "v1")
            let body: [String: Any] = ["site_id": siteID, "visitor_id": "v1"]
            let first = try await client.call(.post, "/v1/conversations", json: body, bearer: token, headers: ["Idempotency-Key": "open-1"])
            let again = try await client.call(.post, "/v1/conversations", json: body, bearer: token, headers: ["Idempotency-Key": "open-1"])
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(again.data["id"] as? String == first.data["id"] as? String)
            var other = body
            other["subject"] = "different"
            let conflict = try await client.call(.post, "/v1/conversations", json: other, bearer: token, headers: ["Idempotency-Key": "open-1"])
            #expect(conflict.status == .conflict)
            let fresh = try await client.call(.post, "/v1/conversations", json: body, bearer: token, headers: ["Idempotency-Key": "open-2"])
            #expect(fresh.data["id"] as? String != first.data["id"] as? String)
            let listed = try await client.call(.get, "/v1/conversations?site_id=\(siteID)", bearer: token)
            #expect((listed.data["pagination"] as? [String: Any])?["total"] as? Int == 2)
            let tooLong = try await client.call(
                .post, "/v1/conversations", json: body, bearer: token, headers: ["Idempotency-Key": String(repeating: "k", count: 256)])
            #expect(tooLong.status == .badRequest)
        }
    }
}

@Suite struct LimitStateMachineTests {
    @Test func tokenBucketsRefillOverTime() {
        var buckets = TokenBuckets()
        let t0 = ContinuousClock.now
        for _ in 0..<10 { #expect(buckets.take("k", perMinute: 10, now: t0) == nil) }
        let wait = buckets.take("k", perMinute: 10, now: t0)
        #expect(wait != nil && wait! <= .seconds(6) && wait! > .seconds(5))
        #expect(buckets.take("k", perMinute: 10, now: t0 + .seconds(6)) == nil)
        #expect(buckets.take("other", perMinute: 10, now: t0) == nil)
    }

    @Test func loginThrottleCountsPerAccountAndAddress() {
        var throttle = LoginThrottle(perAccount: 3, perAddress: 5, window: .seconds(60))
        let t0 = ContinuousClock.now
        for index in 0..<3 { throttle.failed(account: "a", address: "1.1.1.1", now: t0 + .seconds(index)) }
        #expect(throttle.check(account: "a", address: "9.9.9.9", now: t0 + .seconds(3)) == .seconds(57))
        #expect(throttle.check(account: "b", address: "1.1.1.1", now: t0 + .seconds(3)) == nil)
        for _ in 0..<2 { throttle.failed(account: "c", address: "1.1.1.1", now: t0 + .seconds(4)) }
        #expect(throttle.check(account: "d", address: "1.1.1.1", now: t0 + .seconds(5)) != nil)
        #expect(throttle.check(account: "a", address: "9.9.9.9", now: t0 + .seconds(61)) == nil)
        throttle.failed(account: "e", address: "2.2.2.2", now: t0)
        throttle.succeeded(account: "e")
        #expect(throttle.check(account: "e", address: "3.3.3.3", now: t0) == nil)
    }

    @Test func idempotencyGateDecisions() {
        var gate = IdempotencyGate()
        let first = gate.begin(scope: "a")
        let second = gate.begin(scope: "a")
        let other = gate.begin(scope: "b")
        #expect(first && !second && other, "a request in flight refuses a second one with its key")
        #expect(gate.inFlight == 2)
        gate.end(scope: "a")
        let afterwards = gate.begin(scope: "a")
        #expect(afterwards)

        let t = Timestamp(milliseconds: 1_705_761_000_000)
        let answer = IdempotentReply(scope: "a", requestHash: "h", status: 201, contentType: nil, body: "{}", recordedAt: t)
        #expect(IdempotencyGate.decision(requestHash: "h", kept: nil) == .proceed)
        #expect(IdempotencyGate.decision(requestHash: "h", kept: answer) == .replay)
        guard case .conflict = IdempotencyGate.decision(requestHash: "other", kept: answer) else {
            Issue.record("another body must be a conflict")
            return
        }
        let pending = IdempotentReply.pending(scope: "a", requestHash: "h", at: t)
        #expect(IdempotencyGate.decision(requestHash: "h", kept: pending) == .appliedWithoutAnswer)
        guard case .conflict = IdempotencyGate.decision(requestHash: "other", kept: pending) else {
            Issue.record("another body must be a conflict, answered or not")
            return
        }
    }

}
