import ParleyModel
import Testing

@testable import ParleyWebhooks

/// The webhook rules that need no network: which addresses are refused, how URLs are read,
/// when retries come, and the signature.
@Suite struct WebhookPolicyTests {
    @Test(arguments: [
        "0.0.0.0", "10.1.2.3", "100.64.0.1", "127.0.0.1", "127.255.255.254", "169.254.169.254", "172.16.0.1", "172.31.255.255",
        "192.0.0.8", "192.0.2.1", "192.168.1.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
        "240.0.0.1", "255.255.255.255", "::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "fc00::1",
        "fd00:ec2::254", "fe80::1", "fec0::1", "ff02::1", "2001:db8::1", "100::1",
    ])
    func everyNonPublicRangeIsRefused(_ text: String) throws {
        let address = try #require(AddressPolicy.literal(text), "\(text)")
        #expect(AddressPolicy().refusal(address) != nil, "\(text)")
        #expect(AddressPolicy(allowPrivate: true).refusal(address) == nil, "\(text) with --allow-private-webhooks")
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])
    func publicAddressesAreAllowed(_ text: String) throws {
        #expect(AddressPolicy().refusal(try #require(AddressPolicy.literal(text))) == nil, "\(text)")
    }

    @Test func namesAndLiterals() throws {
        for name in ["localhost", "LOCALHOST.", "api.localhost", "metadata.google.internal", "metadata"] {
            #expect(AddressPolicy().refusal(host: name) != nil, "\(name)")
        }
        #expect(AddressPolicy().refusal(host: "hooks.example.com") == nil)
        #expect(AddressPolicy.literal("[::1]") == AddressPolicy.literal("::1"))
        #expect(AddressPolicy.literal("example.com") == nil && AddressPolicy.literal("1.2.3") == nil)
        #expect(AddressPolicy.text([127, 0, 0, 1]) == "127.0.0.1")
    }

    @Test func urlsAreTakenApart() throws {
        #expect(try WebhookTarget.parse("https://Hooks.Example.com/a?b=1") == ("https", "hooks.example.com", 443))
        #expect(try WebhookTarget.parse("http://example.com:8080") == ("http", "example.com", 8080))
        #expect(try WebhookTarget.parse("http://[::1]:9000/x") == ("http", "[::1]", 9000))
        for bad in [
            "ftp://example.com", "example.com", "https://", "https://user:pass@example.com/", "http://example.com:0",
            "http://example.com:99999", "http://exa mple.com", "javascript:alert(1)", "file:///etc/passwd", "http://[::1/x",
        ] {
            #expect(throws: WebhookTarget.Refusal.self, "\(bad)") { try WebhookTarget.parse(bad) }
        }
    }

    @Test func aNameThatResolvesToLoopbackIsRefused() async throws {
        // This machine's own name resolves to a loopback address (and so does `localhost`).
        await #expect(throws: WebhookTarget.Refusal.self) {
            try await WebhookTarget.resolve("http://localhost.:8080/hook", policy: AddressPolicy())
        }
        await #expect(throws: WebhookTarget.Refusal.self) { try await WebhookTarget.resolve("http://127.0.0.1/", policy: AddressPolicy()) }
        await #expect(throws: WebhookTarget.Refusal.self) { try await WebhookTarget.resolve("http://[::1]/", policy: AddressPolicy()) }
        let allowed = try await WebhookTarget.resolve("http://127.0.0.1:9/", policy: AddressPolicy(allowPrivate: true))
        #expect(allowed.address == [127, 0, 0, 1] && allowed.port == 9)
    }

    @Test func retriesBackOffDoublingWithJitterUpToTheCapThenGiveUp() {
        let policy = RetryPolicy()
        let start = Timestamp(milliseconds: 1_000_000)
        func delay(_ attempts: UInt32, unit: Double = 0.5) -> Int64? {
            policy.nextAttempt(after: attempts, occurredAt: start, now: start, unit: unit).map { $0.milliseconds - start.milliseconds }
        }
        #expect(delay(1) == 1000 && delay(2) == 2000 && delay(3) == 4000 && delay(10) == 512_000)
        #expect(delay(11) == 600_000 && delay(40) == 600_000, "capped at 10 minutes")
        #expect(delay(1, unit: 0) == 800 && delay(1, unit: 0.999_999) == 1200, "±20 % jitter")
        let late = Timestamp(milliseconds: start.milliseconds + 86_400_000)
        #expect(policy.nextAttempt(after: 5, occurredAt: start, now: late, unit: 0.5) == nil, "given up after 24 h")
    }

    @Test func theSignatureIsTheHMACOfTheRawBody() {
        #expect(
            WebhookSigner.signature(of: Array(#"{"id":"evt_1"}"#.utf8), secret: "whsec_test_secret")
                == "sha256=380777b35ab0a07f6c5ec65d240df1a0e04d61340568bddfa3a80372e9e24baf")
    }
}
