import Foundation
import ParleyEngine
import ParleyModel
import ParleyServer
import ParleyStorage
import ParleyTestSupport
import ParleyWebhooks
import Testing

/// Webhooks against real HTTP receivers on 127.0.0.1 (with `--allow-private-webhooks`): the
/// six events and their signed bodies, retries, a receiver that never answers, redelivery, no
/// redirects; and, without the flag, the address rules at registration.
@Suite(.serialized) struct WebhookDeliveryTests {
    /// Private addresses allowed, retries and timeouts short enough for a test.
    static var fast: WebhookConfiguration {
        var configuration = WebhookConfiguration()
        configuration.addressPolicy = AddressPolicy(allowPrivate: true)
        configuration.retry = RetryPolicy(first: .milliseconds(50), cap: .milliseconds(200), giveUpAfter: .seconds(120))
        configuration.connectTimeout = .milliseconds(500)
        configuration.requestTimeout = .milliseconds(800)
        configuration.pollInterval = .milliseconds(20)
        return configuration
    }

    static let secret = "whsec_known_to_the_receiver"

    /// Registers a webhook for `events`; returns its omni id.
    static func register(_ fixture: RealtimeFixture, port: Int, events: [String], path: String = "/hook") async throws -> String {
        let made = try await FiveDialectsTests.call(
            fixture, "POST", "/api/v1/webhooks",
            json: ["url": "http://127.0.0.1:\(port)\(path)", "events": events, "secret": secret])
        #expect(made.status == 201, "\(made.json)")
        return try #require((made.json["data"] as? [String: Any])?["id"] as? String)
    }

    static func deliveries(_ fixture: RealtimeFixture, _ webhook: String) async throws -> [[String: Any]] {
        try await FiveDialectsTests.call(fixture, "GET", "/api/v1/webhooks/\(webhook)/deliveries").json["data"] as? [[String: Any]] ?? []
    }

    @Test func theSixEventsArriveSignedWithTheOmniObjects() async throws {
        let receiver = WebhookReceiver()
        // No retries wanted here: an answer slower than `fast`'s 0.8 s on a loaded CI machine
        // counted as a timeout and the event was sent again (at least once), doubling events.
        let patient = {
            var configuration = Self.fast
            configuration.requestTimeout = .seconds(10)
            return configuration
        }()
        try await receiver.serve { port in
            try await RealtimeFixture.withServer(webhooks: patient) { fixture in
                let all = WebhookEvent.subscribable.map(\.name)
                _ = try await Self.register(fixture, port: port, events: all)
                let broker = fixture.server.broker
                let token = try await fixture.visitor("v-hook", name: "Vera")
                let opened = try await FiveDialectsTests.call(
                    fixture, "POST", "/v1/conversations", json: ["site_id": fixture.siteID, "visitor_id": "v-hook"], visitor: token)
                let native = try #require((opened.json["data"] as? [String: Any])?["id"] as? String)
                let id = try #require(NativeID.parse(native, as: ConversationID.self))
                _ = try await FiveDialectsTests.call(
                    fixture, "POST", "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "Where is my order?"],
                    visitor: token)
                _ = try await FiveDialectsTests.call(
                    fixture, "POST", "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "On its way"])
                try await broker.assign(id, to: fixture.owner.id)
                _ = try await broker.directory.identify(
                    site: fixture.site.id, sessionID: "v-hook", userID: "u-42", name: nil, email: "vera@example.org", metadataJSON: nil)
                try await broker.close(id)

                #expect(await receiver.wait { $0.count >= 6 }, "got \(receiver.received.map(\.event))")
                let received = receiver.received
                #expect(Set(received.compactMap(\.event)) == Set(all))
                for delivery in received {
                    // The receiver recomputes the signature over the raw body with its secret.
                    #expect(delivery.headers["x-webhook-signature"] == WebhookSigner.signature(of: Array(delivery.body), secret: Self.secret))
                    #expect(delivery.json["id"] as? String == delivery.id && delivery.json["event"] as? String == delivery.event)
                    #expect((delivery.json["timestamp"] as? String).flatMap(Timestamp.init(rfc3339:)) != nil)
                    #expect(delivery.headers["content-type"] == "application/json")
                }
                #expect(Set(received.compactMap(\.id)).count == 6, "one id per event")
                func data(_ event: String) -> [String: Any] {
                    received.first { $0.event == event }?.json["data"] as? [String: Any] ?? [:]
                }
                let uuid = OmniID.format(id)
                #expect((data("conversation.created")["conversation"] as? [String: Any])?["status"] as? String == "pending")
                #expect((data("conversation.created")["conversation"] as? [String: Any])?["id"] as? String == uuid)
                #expect((data("message.received")["message"] as? [String: Any])?["content"] as? String == "Where is my order?")
                #expect(data("message.received")["conversation_id"] as? String == uuid)
                #expect((data("message.sent")["message"] as? [String: Any])?["sender_type"] as? String == "agent")
                #expect((data("conversation.assigned")["conversation"] as? [String: Any])?["assigned_to"] as? String == OmniID.format(fixture.owner.id))
                #expect((data("conversation.closed")["conversation"] as? [String: Any])?["status"] as? String == "closed")
                #expect((data("customer.identified")["customer"] as? [String: Any])?["user_id"] as? String == "u-42")
                // One conversation's events arrive in the order they happened.
                let order = received.compactMap(\.event).filter { $0 != "customer.identified" }
                #expect(order == ["conversation.created", "message.received", "message.sent", "conversation.assigned", "conversation.closed"])
            }
        }
    }

    @Test func aFailingReceiverIsRetriedAndTheAttemptsAreLogged() async throws {
        let receiver = WebhookReceiver()
        receiver.script([.status(500), .status(503), .status(404)])
        try await receiver.serve { port in
            try await RealtimeFixture.withServer(webhooks: Self.fast) { fixture in
                let webhook = try await Self.register(fixture, port: port, events: ["conversation.created"])
                let test = try await FiveDialectsTests.call(fixture, "POST", "/api/v1/webhooks/\(webhook)/test")
                #expect(test.status == 202)
                #expect(await receiver.wait { $0.count >= 4 })
                #expect(receiver.received.map(\.answered) == [500, 503, 404, 200])
                #expect(Set(receiver.received.compactMap(\.id)).count == 1, "a retry repeats the event id")
                #expect(receiver.received.map { $0.headers["x-webhook-attempt"] } == ["1", "2", "3", "4"])
                var log: [[String: Any]] = []
                for _ in 0..<100 {
                    log = try await Self.deliveries(fixture, webhook)
                    if log.first?["status"] as? String == "delivered" { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                let entry = try #require(log.first)
                #expect(entry["status"] as? String == "delivered" && entry["attempts"] as? Int == 4 && entry["last_status_code"] as? Int == 200)
                #expect(entry["event"] as? String == "ping" && entry["latency_ms"] is Int && entry["next_attempt_at"] is NSNull)

                // Redelivery: the same event again, as a new delivery.
                let deliveryID = try #require(entry["id"] as? String)
                let again = try await FiveDialectsTests.call(fixture, "POST", "/api/v1/webhooks/\(webhook)/deliveries/\(deliveryID)/redeliver")
                #expect(again.status == 202)
                #expect(await receiver.wait { $0.count >= 5 })
                #expect(receiver.received.last?.id == receiver.received.first?.id)
                #expect(try await FiveDialectsTests.call(fixture, "POST", "/api/v1/webhooks/\(webhook)/deliveries/999999/redeliver").status == 404)
            }
        }
    }

    @Test func aReceiverThatNeverAnswersHoldsUpNothingElse() async throws {
        let stalled = WebhookReceiver()
        // Each request hangs 8 s (well past the 0.8 s timeout): long enough that twenty sends on a
        // loaded CI machine finish inside it (3 s was once passed by 7 ms).
        stalled.script([], then: .hang(.seconds(8)))
        let healthy = WebhookReceiver()
        try await stalled.serve { stalledPort in
            try await healthy.serve { healthyPort in
                try await RealtimeFixture.withServer(webhooks: Self.fast) { fixture in
                    let dead = try await Self.register(fixture, port: stalledPort, events: ["message.received"])
                    _ = try await Self.register(fixture, port: healthyPort, events: ["message.received"])
                    let token = try await fixture.visitor("v-slow")
                    let opened = try await FiveDialectsTests.call(
                        fixture, "POST", "/v1/conversations", json: ["site_id": fixture.siteID, "visitor_id": "v-slow"], visitor: token)
                    let native = try #require((opened.json["data"] as? [String: Any])?["id"] as? String)
                    let started = ContinuousClock.now
                    for index in 0..<20 {
                        let sent = try await FiveDialectsTests.call(
                            fixture, "POST", "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "m\(index)"],
                            visitor: token)
                        #expect(sent.status == 201)
                    }
                    // Every message was acknowledged while the first delivery still hung (8 s).
                    #expect(ContinuousClock.now - started < .seconds(8))
                    // The other receiver got all twenty, in order, meanwhile.
                    #expect(await healthy.wait(timeout: .seconds(10)) { $0.count >= 20 })
                    #expect(healthy.received.map { ($0.json["data"] as? [String: Any]).flatMap { ($0["message"] as? [String: Any])?["content"] as? String } } == (0..<20).map { "m\($0)" })
                    // The stalled one times out and is retried, its first event first.
                    var log: [[String: Any]] = []
                    for _ in 0..<150 {
                        log = try await Self.deliveries(fixture, dead)
                        if log.contains(where: { $0["last_error"] as? String == "timed out" }) { break }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    #expect(log.contains { $0["last_error"] as? String == "timed out" && $0["status"] as? String == "pending" })
                }
            }
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        let target = WebhookReceiver()
        let redirecting = WebhookReceiver()
        try await target.serve { targetPort in
            redirecting.script([], then: .redirect("http://127.0.0.1:\(targetPort)/stolen"))
            try await redirecting.serve { port in
                try await RealtimeFixture.withServer(webhooks: Self.fast) { fixture in
                    let webhook = try await Self.register(fixture, port: port, events: ["conversation.created"])
                    _ = try await FiveDialectsTests.call(fixture, "POST", "/api/v1/webhooks/\(webhook)/test")
                    #expect(await redirecting.wait { $0.count >= 2 })
                    let log = try await Self.deliveries(fixture, webhook)
                    #expect(log.first?["last_status_code"] as? Int == 302 && log.first?["status"] as? String == "pending")
                    #expect(target.received.isEmpty, "the redirect's target was never called")
                }
            }
        }
    }

    /// The rule holds at connect time too: a webhook whose address is private by the time it
    /// is called (here written straight into the log, as if DNS changed after registration) is
    /// never connected to; the attempt fails with the reason.
    @Test func theAddressIsCheckedAgainForEveryAttempt() async throws {
        let receiver = WebhookReceiver()
        try await receiver.serve { port in
            var strict = Self.fast
            strict.addressPolicy = AddressPolicy()
            try await RealtimeFixture.withServer(webhooks: strict) { fixture in
                let webhook = Webhook(
                    id: WebhookID(77), siteID: fixture.site.id, url: "http://127.0.0.1:\(port)/hook", events: [.conversationCreated],
                    secret: Self.secret, createdAt: .now())
                _ = try await fixture.server.store.commit(.webhookSaved(webhook))
                let uuid = OmniID.format(webhook.id)
                #expect(try await FiveDialectsTests.call(fixture, "POST", "/api/v1/webhooks/\(uuid)/test").status == 202)
                var log: [[String: Any]] = []
                for _ in 0..<150 {
                    log = try await Self.deliveries(fixture, uuid)
                    if (log.first?["attempts"] as? Int ?? 0) >= 1 { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                let error = log.first?["last_error"] as? String ?? ""
                #expect(error.contains("loopback"), "\(log)")
                #expect(log.first?["last_status_code"] is NSNull)
                #expect(receiver.received.isEmpty)
            }
        }
    }

    @Test func privateAddressesAreRefusedWithoutTheFlag() async throws {
        try await RealtimeFixture.withServer { fixture in
            let own = ProcessInfo.processInfo.hostName
            for url in [
                "http://127.0.0.1:8080/hook", "http://10.0.0.8/hook", "http://172.16.5.4/", "http://192.168.0.10/",
                "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/", "http://[fd00:ec2::254]/", "http://100.64.1.1/",
                "http://0.0.0.0/", "http://224.0.0.1/", "http://localhost:8080/", "http://metadata.google.internal/computeMetadata/v1/",
                "http://\(own)/hook", "ftp://example.com/", "https://user:pw@example.com/",
            ] {
                let made = try await FiveDialectsTests.call(fixture, "POST", "/api/v1/webhooks", json: ["url": url, "events": ["message.sent"]])
                #expect(made.status == 422, "\(url)")
                #expect(made.json["code"] as? String == "VALIDATION_ERROR", "\(url)")
            }
            let list = try await FiveDialectsTests.call(fixture, "GET", "/api/v1/webhooks")
            #expect((list.json["data"] as? [Any])?.isEmpty == true)
        }
    }
}
