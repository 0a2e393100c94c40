import Foundation
import NIOCore
import ParleyRedis
import ParleyTestSupport
import Synchronization
import Testing

/// The client against a real `redis-server` over loopback.
@Suite(.serialized) struct RedisClientTests {
    @Test func commandsAndBinaryValues() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let client = RedisClient(configuration: server.configuration)
        defer { Task { await client.shutdown() } }
        #expect(try await client.send("PING") == .simple("PONG"))
        let payload = ByteBuffer(bytes: Array(0...255) + Array(0...255))
        try await client.send("SET", "k", .bytes(payload))
        #expect(try await client.send("GET", "k") == .bulk(payload))
        #expect(try await client.send("GET", "missing") == .null)
        await #expect(throws: RedisError.reply("ERR value is not an integer or out of range")) {
            try await client.send("INCR", "k")
        }
        // The connection is still good after an error reply.
        #expect(try await client.send("INCR", "n").int == 1)
    }

    @Test func manyCommandsInFlightAreAnsweredInOrder() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let client = RedisClient(configuration: server.configuration)
        defer { Task { await client.shutdown() } }
        // A pipeline: 1,000 INCRs written with one flush answer 1…1000 in order.
        let replies = try await client.pipeline((0..<1000).map { _ in RedisCommand("INCR", "counter") })
        #expect(replies.map(\.int) == (1...1000).map { Int64($0) })
        // 64 tasks at once on the one connection: every reply reaches its own caller.
        let values = try await withThrowingTaskGroup(of: (Int, RedisValue).self) { group in
            for index in 0..<64 {
                group.addTask { (index, try await client.send("ECHO", .text("value-\(index)"))) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for index in 0..<64 { #expect(values[index]?.string == "value-\(index)") }
    }

    @Test func scriptsRunBySHAAndAreLoadedAgainWhenRedisLostThem() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let client = RedisClient(configuration: server.configuration)
        defer { Task { await client.shutdown() } }
        let next = RedisScript("local n = redis.call('INCR', KEYS[1]) return {n, ARGV[1]}")
        #expect(try await client.evalSHA(next, keys: ["seq"], arguments: ["a"]) == .array([.integer(1), .bulk(ByteBuffer(string: "a"))]))
        try await client.send("SCRIPT", "FLUSH")
        // NOSCRIPT → SCRIPT LOAD → EVALSHA again, transparently.
        #expect(try await client.evalSHA(next, keys: ["seq"], arguments: ["b"]).array?.first == .integer(2))
        await #expect(throws: RedisError.self) { try await client.evalSHA(RedisScript("return redis.call('NOPE')")) }
    }

    @Test func aCommandPastItsTimeoutFailsAndTheNextOneReconnects() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        var configuration = server.configuration
        configuration.commandTimeout = .seconds(1)
        let client = RedisClient(configuration: configuration)
        defer { Task { await client.shutdown() } }
        let started = ContinuousClock.now
        await #expect(throws: RedisError.timeout) { try await client.send("BLPOP", "never", "10") }
        #expect(ContinuousClock.now - started < .seconds(5))  // 1 s here; room for a loaded CI machine
        #expect(try await client.send("PING") == .simple("PONG"))
    }

    @Test func redisKilledAndRestartedKeepsWhatItAcknowledged() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        var configuration = server.configuration
        configuration.reconnectWindow = .milliseconds(500)
        let client = RedisClient(configuration: configuration)
        defer { Task { await client.shutdown() } }
        for index in 1...100 { try await client.send("XADD", "log", .text("0-\(index)"), "p", .text("record \(index)")) }
        server.kill()
        await #expect(throws: RedisError.self) { try await client.send("PING") }
        try server.restart()
        // The next command reconnects; with appendfsync always every acknowledged XADD is there.
        #expect(try await client.send("XLEN", "log").int == 100)
        let last = try await client.send("XREVRANGE", "log", "+", "-", "COUNT", "1")
        #expect(last.array?.first?.array?.first?.string == "0-100")
    }

    @Test func commandsWaitForAReconnectWithinTheWindowAndFailAfterIt() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        var configuration = server.configuration
        configuration.reconnectWindow = .milliseconds(600)
        let impatient = RedisClient(configuration: configuration)
        // The same with a window long enough for Redis to come back.
        let patient = RedisClient(configuration: server.configuration)
        defer { Task { await impatient.shutdown(); await patient.shutdown() } }
        #expect(try await impatient.send("PING") == .simple("PONG"))
        #expect(try await patient.send("PING") == .simple("PONG"))
        server.kill()
        let started = ContinuousClock.now
        await #expect(throws: RedisError.self) {
            _ = try await impatient.send("PING")  // the connection in use was cut
        }
        await #expect(throws: RedisError.self) { try await impatient.send("PING") }
        #expect(ContinuousClock.now - started < .seconds(5))  // about 0.6 s; room for a loaded machine
        // Sent while Redis is down, within the window: it waits and then succeeds. (The patient
        // client's connection was cut too, and it has seen so while the impatient one waited.)
        let waiting = Task { try await patient.send("PING") }
        try await Task.sleep(for: .milliseconds(100))
        try server.restart()
        #expect(try await waiting.value == .simple("PONG"))
    }

    @Test func aSubscriberGetsWhatIsPublishedAndSubscribesAgainAfterRedisReturns() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let received = Mutex<[String]>([])
        let resubscribed = Mutex(0)
        let subscriber = RedisSubscriber(
            configuration: server.configuration, channels: ["a", "b"], onResubscribed: { resubscribed.withLock { $0 += 1 } }
        ) { channel, payload in
            received.withLock { $0.append("\(channel):\(String(buffer: payload))") }
        }
        try await subscriber.start()
        let publisher = RedisClient(configuration: server.configuration)
        defer { Task { await publisher.shutdown() } }
        #expect(try await publisher.send("PUBLISH", "a", "one").int == 1)
        #expect(try await publisher.send("PUBLISH", "b", "two").int == 1)
        #expect(try await publisher.send("PUBLISH", "c", "nobody").int == 0)
        try await eventually { received.withLock { $0 } == ["a:one", "b:two"] }

        server.kill()
        try server.restart()
        try await eventually { resubscribed.withLock { $0 } == 1 }
        #expect(try await publisher.send("PUBLISH", "a", "three").int == 1)
        try await eventually { received.withLock { $0 }.last == "a:three" }
        await subscriber.shutdown()
        #expect(try await publisher.send("PUBLISH", "a", "four").int == 0)
    }

    @Test func aStreamTailedWithABlockingReadSeesEachEntryOnce() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let writer = RedisClient(configuration: server.configuration)
        let tail = RedisClient(configuration: server.configuration)
        defer { Task { await writer.shutdown(); await tail.shutdown() } }
        let reading = Task { () -> [String] in
            var after = "0-0"
            var seen: [String] = []
            while seen.count < 50 {
                let reply = try await tail.send("XREAD", "BLOCK", "2000", "STREAMS", "log", .text(after))
                for entry in reply.array?.first?.array?[1].array ?? [] {
                    let id = entry.array?[0].string ?? ""
                    seen.append(entry.array?[1].array?[1].string ?? "")
                    after = id
                }
            }
            return seen
        }
        for index in 1...50 { try await writer.send("XADD", "log", .text("0-\(index)"), "p", .text("\(index)")) }
        #expect(try await reading.value == (1...50).map { "\($0)" })
    }

    private func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<200 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the condition did not become true within 5 s")
    }
}
