import Foundation
import ParleyEngine
import ParleyModel
import ParleyRedis
import ParleySnapshot
import ParleyStorage
import ParleyTestSupport
import Synchronization
import Testing

/// Two cluster nodes' engines (each its own data directory and store) on one real `redis-server`
/// (docs/SCALING.md, step 3): writes through both get one order, read-your-write holds on each
/// node, ids never collide, the script's dedupe and closed check span nodes, and a node that
/// restarts from its snapshot catches up.
@Suite(.serialized) struct ClusterBrokerTests {
    struct Node {
        var directory: String
        var store: EventStore
        var broker: Broker
    }

    static func start(_ redis: RedisServerProcess, directory: String? = nil) async throws -> Node {
        let directory = directory ?? ParleyBinary.temporaryDirectory("cluster-node")
        let store = try await EventStore.openCluster(
            // No LOCK: a test restarts a node in the same process while its first store lingers.
            StorageConfiguration(dataDirectory: directory, usesLockFile: false), cluster: ClusterConfiguration(redis: redis.configuration))
        return Node(directory: directory, store: store, broker: Broker(store: store, passwords: PasswordHasher(cost: 4)))
    }

    static func twoNodes(_ redis: RedisServerProcess) async throws -> (Node, Node) {
        (try await start(redis), try await start(redis))
    }

    static func outcome<T: Sendable>(_ body: @Sendable () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static func stop(_ nodes: Node...) { stop(nodes) }

    /// Closes the nodes' stores (their data directories stay, for a test that reuses them).
    static func stop(_ nodes: [Node]) {
        for node in nodes { node.store.close() }
    }

    static func discard(_ nodes: Node...) { discard(nodes) }

    /// Closes the nodes' stores and removes their data directories: the end of a test.
    static func discard(_ nodes: [Node]) {
        stop(nodes)
        for node in nodes { try? FileManager.default.removeItem(atPath: node.directory) }
    }

    @Test func twoNodesShareOneOrderIdsDedupeAndClosing() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let (a, b) = try await Self.twoNodes(redis)
        defer { Self.discard(a, b) }
        // Sites and visitors made on both nodes: ids from separate blocks, never the same.
        let site = try await a.broker.directory.createSite(name: "Shop", domain: "https://shop.example")
        let other = try await b.broker.directory.createSite(name: "Other", domain: "")
        #expect(site.id != other.id)
        try await waitUntil { b.store.read { $0.sites[site.id] != nil } }
        let (visitor, _) = try await b.broker.directory.registerVisitor(site: site.id, externalID: "v-1", name: "Vera")
        try await waitUntil { a.store.read { $0.visitors[visitor.id] != nil } }
        // Conversations opened on both nodes are numbered by the script, in order.
        let first = try await a.broker.openConversation(site: site.id, visitor: visitor.id)
        let second = try await b.broker.openConversation(site: site.id, visitor: visitor.id)
        #expect(second.id.rawValue == first.id.rawValue + 1)
        #expect(a.store.read { $0.conversations[first.id] != nil })

        // 2 × 100 messages at once, half through each node, some pipelined (the WebSocket path).
        try await withThrowingTaskGroup(of: SendReceipt.self) { group in
            for index in 0..<100 {
                for (name, node) in [("a", a), ("b", b)] {
                    group.addTask {
                        let draft = MessageDraft(sender: .visitor(visitor.id), content: "\(name)\(index)")
                        guard index.isMultiple(of: 2) else { return try await node.broker.send(draft, to: first.id) }
                        return try await withCheckedThrowingContinuation { continuation in
                            do {
                                try node.broker.append(draft, to: first.id) { continuation.resume(with: $0) }
                            } catch { continuation.resume(throwing: error) }
                        }
                    }
                }
            }
            var seqs: [UInt64] = []
            for try await receipt in group {
                // Read-your-write: the node that acknowledged has applied it.
                seqs.append(receipt.message.seq)
                #expect(!receipt.duplicate && receipt.message.id.rawValue > 0)
            }
            #expect(seqs.sorted() == Array(1...200))
        }
        let last = a.store.appliedLSN
        try await waitUntil { b.store.appliedLSN >= last }
        let pages = try [a, b].map { try $0.broker.messages(first.id, page: .newest(limit: 500)).messages }
        #expect(pages[0].map(\.seq) == Array(1...200))
        #expect(pages[0] == pages[1])
        #expect(Set(pages[0].map(\.id)).count == 200)
        #expect(a.store.read { StateCodec.encode($0) } == b.store.read { StateCodec.encode($0) })

        // A client message id sent through one node and repeated through the other: one message.
        let draft = MessageDraft(sender: .visitor(visitor.id), content: "once", clientMessageID: "c-1")
        let sent = try await a.broker.send(draft, to: second.id)
        let repeated = try await b.broker.send(draft, to: second.id)
        #expect(!sent.duplicate && repeated.duplicate && repeated.message == sent.message)
        await #expect(throws: EngineError.self) {
            try await b.broker.send(MessageDraft(sender: .visitor(visitor.id), content: "other", clientMessageID: "c-1"), to: second.id)
        }
        // Closed on one node: the other's next message is refused (409), not logged.
        try await a.broker.close(second.id)
        let refused = await #expect(throws: EngineError.self) {
            try await b.broker.send(MessageDraft(sender: .visitor(visitor.id), content: "late"), to: second.id)
        }
        #expect(refused?.code == .conflict)
    }

    @Test func aVisitorOrAnAgentCreatedThroughTwoNodesAtOnceExistsOnce() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let (a, b) = try await Self.twoNodes(redis)
        defer { Self.discard(a, b) }
        let site = try await a.broker.directory.createSite(name: "Shop", domain: "")
        try await waitUntil { b.store.read { $0.sites[site.id] != nil } }
        for round in 0..<20 {
            async let first = a.broker.directory.registerVisitor(site: site.id, externalID: "v-\(round)", name: "Vera")
            async let second = b.broker.directory.registerVisitor(site: site.id, externalID: "v-\(round)", name: "Vera")
            let (x, y) = try await (first, second)
            #expect(x.visitor.id == y.visitor.id, "one visitor for one external id")
            #expect([x.created, y.created].filter { $0 }.count == 1)
        }
        var created = 0
        var refused = 0
        for round in 0..<10 {
            async let first = Self.outcome { try await a.broker.directory.createAgent(
                site: site.id, username: "ann\(round)", email: "ann\(round)@shop.example", password: "correct horse", role: .agent) }
            async let second = Self.outcome { try await b.broker.directory.createAgent(
                site: site.id, username: "ANN\(round)", email: "other\(round)@shop.example", password: "correct horse", role: .agent) }
            for result in await [first, second] {
                switch result {
                case .success: created += 1
                case .failure(let error): if (error as? EngineError)?.code == .conflict || error is ClusterWriteError { refused += 1 }
                }
            }
        }
        #expect(created == 10 && refused == 10, "\(created) created, \(refused) refused")
        try await waitUntil { a.store.appliedLSN == b.store.appliedLSN }
        #expect(a.store.read { $0.agents.count } == 10)

        // Sign-ups with one e-mail through both nodes at once: one account, one new site; the
        // other is told the account exists.
        let sites = a.store.read { $0.sites.count }
        var accounts = 0
        var conflicts = 0
        for round in 0..<10 {
            async let first = Self.outcome { try await a.broker.directory.registerAccount(
                companyName: "A\(round)", email: "owner\(round)@example.com", password: "correct horse", displayName: "") }
            async let second = Self.outcome { try await b.broker.directory.registerAccount(
                companyName: "B\(round)", email: "Owner\(round)@Example.com", password: "correct horse", displayName: "") }
            for result in await [first, second] {
                switch result {
                case .success: accounts += 1
                case .failure(let error):
                    if let error = error as? EngineError, error.code == .conflict, error.message.contains("account") { conflicts += 1 }
                }
            }
        }
        #expect(accounts == 10 && conflicts == 10, "\(accounts) accounts, \(conflicts) refused")
        try await waitUntil { a.store.appliedLSN == b.store.appliedLSN }
        #expect(b.store.read { $0.sites.count } == sites + 10, "a refused sign-up makes no site")
    }

    /// Redis losing what it acknowledged (here `FLUSHALL`; a restore from an older copy is the
    /// same) must not let a node acknowledge new writes at LSNs it already applied (and so skips):
    /// the first such answer stops the node's writes, unacknowledged.
    @Test func aNodeAcknowledgesNothingAfterRedisLostItsLog() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let fatal = Mutex<String?>(nil)
        let directory = ParleyBinary.temporaryDirectory("cluster-node")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await EventStore.openCluster(
            StorageConfiguration(dataDirectory: directory, usesLockFile: false),
            cluster: ClusterConfiguration(redis: redis.configuration), onFatalError: { reason in fatal.withLock { $0 = reason } })
        defer { store.close() }
        let broker = Broker(store: store, passwords: PasswordHasher(cost: 4))
        let site = try await broker.directory.createSite(name: "Shop", domain: "")
        let (visitor, _) = try await broker.directory.registerVisitor(site: site.id, externalID: "v", name: "Vera")
        let conversation = try await broker.openConversation(site: site.id, visitor: visitor.id)
        for index in 0..<5 { _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m\(index)"), to: conversation.id) }
        let client = RedisClient(configuration: redis.configuration)
        try await client.send("FLUSHALL")
        await client.shutdown()
        let after = await Self.outcome { try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "lost?"), to: conversation.id) }
        #expect(throws: (any Error).self) { try after.get() }
        // The writer is answered first, then the node snapshots and stops.
        try await Self.waitUntil { fatal.withLock { $0 } != nil }
        #expect(fatal.withLock { $0 }?.contains("Redis lost acknowledged records") == true)
        #expect(store.read { $0.conversations[conversation.id]?.lastSeq } == 5)
        // The node wrote down everything it applied before stopping (it has no log of its own):
        // what `parley cluster reseed` starts again from.
        #expect(try store.listSnapshots().first?.lsn == store.appliedLSN)
        // The script appended nothing to the emptied log: no other node can apply a record that
        // follows this node's state by accident.
        let emptied = RedisClient(configuration: redis.configuration)
        #expect(try await emptied.send("GET", "parley:lsn") == .null)
        await emptied.shutdown()
    }

    @Test func oneNodeClaimsEachWebhookAttempt() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let (a, b) = try await Self.twoNodes(redis)
        defer { Self.discard(a, b) }
        #expect(await a.store.claim("webhook:7:0", for: .seconds(5)))
        #expect(await !b.store.claim("webhook:7:0", for: .seconds(5)))
        #expect(await b.store.claim("webhook:7:1", for: .seconds(5)))
        // A claim lasts its lifetime only.
        #expect(await a.store.claim("short", for: .milliseconds(50)))
        try await Task.sleep(for: .milliseconds(150))
        #expect(await b.store.claim("short", for: .milliseconds(50)))
    }

    @Test func theSharedSnapshotLetsTheStreamBeTrimmedAndANewNodeStartFromIt() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let (a, b) = try await Self.twoNodes(redis)
        defer { Self.discard(a, b) }
        let site = try await a.broker.directory.createSite(name: "Shop", domain: "")
        let (visitor, _) = try await a.broker.directory.registerVisitor(site: site.id, externalID: "v-1", name: "Vera")
        let conversation = try await a.broker.openConversation(site: site.id, visitor: visitor.id)
        for index in 0..<40 { _ = try await a.broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m\(index)"), to: conversation.id) }
        try await waitUntil { b.store.appliedLSN == a.store.appliedLSN }
        let housekeeping = try #require(a.store.clusterHousekeeping(snapshotEveryRecords: 20))
        // b only reports itself (its share is not due): the trim waits for both.
        let other = try #require(b.store.clusterHousekeeping(snapshotEveryRecords: 1_000_000))
        let reported = try await other.step()
        #expect(reported.sharedSnapshot == nil && reported.trimmed == 0)
        let first = try await housekeeping.step()
        #expect(first.sharedSnapshot == a.store.appliedLSN)
        #expect(first.trimmed > 0)
        let log = RedisLog(client: RedisClient(configuration: redis.configuration))
        defer { Task { await log.client.shutdown() } }
        #expect(try await log.firstLSN() == nil)  // both nodes had applied everything
        // Not due again until 20 more records.
        #expect(try await housekeeping.step().sharedSnapshot == nil)
        for index in 40..<45 { _ = try await b.broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m\(index)"), to: conversation.id) }

        // A new node (no snapshot of its own; the stream no longer starts at 1) starts from the
        // shared snapshot and the entries after it.
        let c = try await Self.start(redis)
        defer { Self.discard(c) }
        #expect(c.store.startReport.snapshot == nil && c.store.startReport.replayedRecords == 5)
        try await waitUntil { c.store.appliedLSN == b.store.appliedLSN }
        #expect(c.store.read { StateCodec.encode($0) } == b.store.read { StateCodec.encode($0) })
        #expect(try c.broker.messages(conversation.id, page: .newest(limit: 100)).messages.map(\.seq) == Array(1...45))
    }

    @Test func aRestartedNodeCatchesUpFromItsSnapshot() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let a = try await Self.start(redis)
        var b = try await Self.start(redis)
        defer { for directory in [a.directory, b.directory] { try? FileManager.default.removeItem(atPath: directory) } }
        defer { a.store.close() }
        let site = try await a.broker.directory.createSite(name: "Shop", domain: "")
        let (visitor, _) = try await a.broker.directory.registerVisitor(site: site.id, externalID: "v-1", name: "Vera")
        let conversation = try await a.broker.openConversation(site: site.id, visitor: visitor.id)
        for index in 0..<10 { _ = try await a.broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m\(index)"), to: conversation.id) }
        try await waitUntil { b.store.appliedLSN == a.store.appliedLSN }
        let snapshot = try #require(try b.store.takeSnapshot())
        b.store.close()
        // While node b is down, node a goes on.
        for index in 10..<25 { _ = try await a.broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m\(index)"), to: conversation.id) }
        try await Task.sleep(for: .milliseconds(200))  // b's closed clients let go of their connections
        b = try await Self.start(redis, directory: b.directory)
        defer { b.store.close() }
        #expect(b.store.startReport.snapshot?.lsn == snapshot.lsn)
        #expect(b.store.appliedLSN == a.store.appliedLSN)
        #expect(try b.broker.messages(conversation.id, page: .newest(limit: 100)).messages.map(\.seq) == Array(1...25))
        let receipt = try await b.broker.send(MessageDraft(sender: .visitor(visitor.id), content: "back"), to: conversation.id)
        #expect(receipt.message.seq == 26)
    }

    private func waitUntil(_ condition: () async -> Bool) async throws { try await Self.waitUntil(condition) }

    /// Waits until `condition` holds; records an issue when it has not within 10 s.
    static func waitUntil(_ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("the condition did not hold within 10 s")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
