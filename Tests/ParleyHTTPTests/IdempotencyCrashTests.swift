import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ParleyHTTP
import ParleyModel
import ParleyStorage
import ParleyTestSupport
import Synchronization
import Testing

/// The `Idempotency-Key` rides in the same log record as the request's first effect (issue 15,
/// defect 6): a server that dies after the effect is durable but before the answer is kept
/// must not run the request again when the client retries, and must say why.
@Suite struct IdempotencyCrashTests {
    /// How many times each route's handler ran.
    final class Runs: Sendable {
        let count = Mutex(0)
        func next() -> Int { count.withLock { $0 += 1; return $0 } }
        var value: Int { count.withLock { $0 } }
    }

    /// A router over `store` with the real error envelope and idempotency layer in front of
    /// three routes: one that creates a site (and, with `X-Die: 1`, closes the store right after,
    /// as a process killed before it could keep the answer), one that refuses without changing
    /// anything, and one that changes something and then answers with an error.
    static func application(_ store: EventStore, runs: Runs) -> some ApplicationProtocol {
        let router = Router(context: ParleyRequestContext.self)
        router.add(middleware: ErrorEnvelopeMiddleware<ParleyRequestContext>.native())
        router.add(middleware: IdempotencyMiddleware(store: store))
        router.post("/sites") { request, _ -> Response in
            let number = runs.next()
            var site = SampleData.site
            site.id = SiteID(UInt64(number))
            site.name = "site \(number)"
            try await store.commit(.siteCreated(site))
            if request.headers[HTTPField.Name("X-Die")!] == "1" { store.close() }
            return Response(status: .created, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"id":\#(number)}"#)))
        }
        router.post("/refusals") { _, _ -> Response in
            _ = runs.next()
            throw APIError.validation("no")
        }
        router.post("/half-done") { _, _ -> Response in
            let number = runs.next()
            var site = SampleData.site
            site.id = SiteID(UInt64(100 + number))
            try await store.commit(.siteCreated(site))
            return Response(status: .unprocessableContent, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"half":true}"#)))
        }
        return Application(router: router)
    }

    static func open(_ directory: String) throws -> EventStore {
        try EventStore.open(StorageConfiguration(dataDirectory: directory, usesLockFile: false))
    }

    static func post(
        _ client: some TestClientProtocol, _ path: String, key: String, body: String = #"{"a":1}"#, die: Bool = false
    ) async throws -> TestResponse {
        var headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: key, .contentType: "application/json"]
        if die { headers[HTTPField.Name("X-Die")!] = "1" }
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func aRetryAfterADeathBetweenEffectAndAnswerRunsNothingAgain() async throws {
        let directory = ParleyBinary.temporaryDirectory("idempotency-crash")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runs = Runs()
        let store = try Self.open(directory)
        try await Self.application(store, runs: runs).test(.router) { client in
            let first = try await Self.post(client, "/sites", key: "k-1", die: true)
            // The effect is durable; the answer could not be kept (the store is gone).
            #expect(first.status == .created)
        }
        // The restart: the site is there once, and its key is kept without an answer.
        let restarted = try Self.open(directory)
        defer { restarted.close() }
        let kept = restarted.read { ($0.sites.count, $0.idempotency.replies.values.map(\.isPending)) }
        #expect(kept.0 == 1)
        #expect(kept.1 == [true])
        try await Self.application(restarted, runs: runs).test(.router) { client in
            let retry = try await Self.post(client, "/sites", key: "k-1")
            #expect(retry.status == .conflict)
            let error = try JSONSerialization.jsonObject(with: Data(retry.body.readableBytesView)) as? [String: Any]
            #expect((error?["error"] as? [String: Any])?["code"] as? String == "CONFLICT")
            #expect(((error?["error"] as? [String: Any])?["message"] as? String)?.contains("was applied") == true)
            // Another body with the key is still the usual conflict; a new key runs.
            #expect(try await Self.post(client, "/sites", key: "k-1", body: #"{"a":2}"#).status == .conflict)
            let fresh = try await Self.post(client, "/sites", key: "k-2")
            #expect(fresh.status == .created)
            let replayed = try await Self.post(client, "/sites", key: "k-2")
            #expect(replayed.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(String(buffer: replayed.body) == String(buffer: fresh.body))
        }
        #expect(runs.value == 2, "the request that died ran once, k-2 once")
        #expect(restarted.read { $0.sites.count } == 2)
        // The answer of k-2 replaced its pending key.
        #expect(restarted.read { $0.idempotency.replies.values.filter(\.isPending).count } == 1)
    }

    @Test func aRefusalThatChangedNothingRunsAgainAndOneThatDidIsKept() async throws {
        let directory = ParleyBinary.temporaryDirectory("idempotency-errors")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runs = Runs()
        let store = try Self.open(directory)
        defer { store.close() }
        try await Self.application(store, runs: runs).test(.router) { client in
            #expect(try await Self.post(client, "/refusals", key: "r").status == .badRequest)
            #expect(try await Self.post(client, "/refusals", key: "r").status == .badRequest)
            #expect(runs.value == 2, "nothing changed, nothing kept: the retry runs again")

            let half = try await Self.post(client, "/half-done", key: "h")
            #expect(half.status == .unprocessableContent)
            let again = try await Self.post(client, "/half-done", key: "h")
            #expect(again.status == .unprocessableContent)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(runs.value == 3, "the effect is not made twice")
        }
        #expect(store.read { $0.sites.count } == 1)
    }
}
