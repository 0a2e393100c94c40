import NIOCore
import ParleyRedis
import ParleyTestSupport
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
        let registry = RedisNodeRegistry(client: client, lifetime: .seconds(30))
        try await registry.report(node: "a", appliedLSN: 10)
        try await registry.report(node: "b", appliedLSN: 7)
        #expect(try await registry.liveNodes() == ["a": 10, "b": 7])
        try await registry.report(node: "a", appliedLSN: 12)
        #expect(try await registry.liveNodes() == ["a": 12, "b": 7])
        // b's last report is older than the lifetime (set directly: no sleeping in a test that
        // runs beside hundreds of others): it is gone, and removed.
        try await client.send("ZADD", "parley:nodes", "1", "b")
        #expect(try await registry.liveNodes() == ["a": 12])
        #expect(try await client.send("HGET", "parley:nodes:applied", "b") == .null)
        #expect(try await client.send("ZSCORE", "parley:nodes", "b") == .null)
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

/// What a node reads from Redis before it joins: whether an acknowledgement means "on disk".
@Suite(.serialized) struct RedisDurabilityTests {
    @Test func aPrimaryWithAOFAlwaysPassesAndAnythingLessIsRefused() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let client = RedisClient(configuration: server.configuration)
        defer { Task { await client.shutdown() } }
        let durable = try await RedisDurability.read(from: client)
        #expect(durable == RedisDurability(appendOnly: true, appendFsync: "always", connectedReplicas: 0, isPrimary: true))
        try durable.check()
        try await client.send("CONFIG", "SET", "appendfsync", "everysec")
        let relaxed = try await RedisDurability.read(from: client)
        #expect(relaxed.appendFsync == "everysec")
        #expect(throws: RedisDurabilityError.self) { try relaxed.check() }
    }

    @Test func replicasAreCountedAndWaitedFor() async throws {
        // Redis 7 waits 5 s for more replicas before a diskless full sync by default.
        let primary = try RedisServerProcess(arguments: ["--repl-diskless-sync-delay", "0"])
        defer { primary.stop() }
        let replica = try RedisServerProcess(arguments: ["--replicaof", "127.0.0.1", "\(primary.port)"])
        defer { replica.stop() }
        let client = RedisClient(configuration: primary.configuration)
        let replicaClient = RedisClient(configuration: replica.configuration)
        defer { Task { await client.shutdown(); await replicaClient.shutdown() } }
        // Until the first sync is done, a replica is connected but acknowledges nothing.
        for _ in 0..<200 {
            if try await replicaClient.send("INFO", "replication").string?.contains("master_link_status:up") == true { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(try await RedisDurability.read(from: client).connectedReplicas == 1)
        try await client.send("SET", "k", "v")
        #expect(try await client.waitForReplicas(1, timeout: .seconds(2)) == 1)
        #expect(try await replicaClient.send("GET", "k").string == "v")
        // A node pointed at the replica is told so.
        await #expect(throws: RedisDurabilityError.self) { try await RedisDurability.read(from: replicaClient).check() }
    }
}
