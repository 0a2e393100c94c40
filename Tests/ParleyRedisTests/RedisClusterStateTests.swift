import NIOCore
import ParleyRedis
import Testing

@Suite struct TrimPlanTests {
    @Test func theSlowerOfTheSharedSnapshotAndTheSlowestLiveNodeBounds() {
        #expect(TrimPlan(sharedSnapshotLSN: 900, liveNodes: ["a": 950, "b": 870]).trimBelow == 871)
        #expect(TrimPlan(sharedSnapshotLSN: 900, liveNodes: ["a": 950, "b": 990]).trimBelow == 901)
        #expect(TrimPlan(sharedSnapshotLSN: 900, liveNodes: [:]).trimBelow == 901)
        // No shared snapshot: a new node could start from nothing but the whole log.
        #expect(TrimPlan(sharedSnapshotLSN: nil, liveNodes: ["a": 950]).trimBelow == nil)
    }
}

/// The node registry and the shared snapshot against a real `redis-server`.
@Suite(.serialized) struct RedisClusterStateTests {
    @Test func nodesAreLiveWhileTheyReport() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let client = RedisClient(configuration: server.configuration)
        defer { Task { await client.shutdown() } }
        let registry = RedisNodeRegistry(client: client, lifetime: .seconds(1))
        try await registry.report(node: "a", appliedLSN: 10)
        try await registry.report(node: "b", appliedLSN: 7)
        #expect(try await registry.liveNodes() == ["a": 10, "b": 7])
        try await registry.report(node: "a", appliedLSN: 12)
        #expect(try await registry.liveNodes() == ["a": 12, "b": 7])
        // b stops reporting: past the lifetime it is gone (and removed), a stays while it reports.
        try await Task.sleep(for: .milliseconds(1200))
        try await registry.report(node: "a", appliedLSN: 15)
        #expect(try await registry.liveNodes() == ["a": 15])
        #expect(try await client.send("HGET", "parley:nodes:applied", "b") == .null)
        try await registry.forget(node: "a")
        #expect(try await registry.liveNodes() == [:])
    }

    @Test func oneWriterAtATimeAndNeverAnOlderSnapshotOverANewer() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let client = RedisClient(configuration: server.configuration)
        defer { Task { await client.shutdown() } }
        let shared = RedisSharedSnapshot(client: client)
        #expect(try await shared.load() == nil)
        let bytes = ByteBuffer(bytes: Array(0...255) + Array(repeating: 7, count: 100_000))
        #expect(try await shared.store(bytes, lsn: 900, by: "a"))
        let loaded = try #require(try await shared.load())
        #expect(loaded.lsn == 900 && loaded.bytes == bytes)
        #expect(try await !shared.store(ByteBuffer(string: "older"), lsn: 800, by: "b"))
        #expect(try await shared.lsn() == 900)
        // While a holds the lock, b cannot write.
        try await client.send("SET", "parley:snapshot:lock", "a", "PX", "60000")
        #expect(try await !shared.store(ByteBuffer(string: "newer"), lsn: 950, by: "b"))
        try await client.send("DEL", "parley:snapshot:lock")
        #expect(try await shared.store(ByteBuffer(string: "newer"), lsn: 950, by: "b"))
        #expect(try await shared.load()?.bytes == ByteBuffer(string: "newer"))
    }
}
