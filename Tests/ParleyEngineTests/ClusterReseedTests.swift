import Foundation
import NIOCore
import ParleyEngine
import ParleyModel
import ParleyRedis
import ParleyStorage
import ParleyTestSupport
import Testing

/// `parley cluster reseed` (docs/SCALING.md, "Reseeding an empty Redis"): what a state asks of
/// Redis (``ClusterSeed``, worked out with no I/O), when a reseed is refused, and two nodes going
/// on from a node's snapshot after Redis lost everything.
@Suite(.serialized) struct ClusterReseedTests {
    func waitUntil(_ condition: () async -> Bool) async throws { try await ClusterBrokerTests.waitUntil(condition) }

    @Test func aSeedHoldsWhatTheAppendScriptDecidesFrom() async throws {
        let (store, broker) = try BrokerTests.makeBroker()
        defer { store.close() }
        let (site, agent, visitor, conversation) = try await BrokerTests.setUp(broker)
        let (other, _) = try await broker.directory.registerVisitor(site: site.id, externalID: "v_2", name: "Olga")
        let closed = try await broker.openConversation(site: site.id, visitor: other.id)
        _ = try await broker.send(MessageDraft(sender: .visitor(other.id), content: "bye"), to: closed.id)
        try await broker.close(closed.id)
        for index in 0..<3 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m\(index)", clientMessageID: "c-\(index)"), to: conversation.id)
        }
        let asked = Timestamp.now()
        try await store.commit(
            .idempotentReplyRecorded(IdempotentReply(scope: "agent:1 /x k-1", requestHash: "h", status: 201, contentType: nil, body: "{}", recordedAt: asked)))
        let state = store.read { $0 }
        let last = try #require(state.conversations[conversation.id]?.lastSeq)

        let seed = ClusterSeed(state: state, now: asked, dedupeWindow: .seconds(86_400))
        #expect(seed.lsn == state.appliedLSN)
        #expect(seed.seqs[conversation.id.rawValue] == last && seed.seqs[closed.id.rawValue] == 1)
        #expect(seed.closed == [closed.id.rawValue])
        #expect(seed.counters["message"] == state.watermarks.message && seed.counters["conversation"] == closed.id.rawValue)
        #expect(seed.counters["site"] == site.id.rawValue && seed.counters["agent"] == agent.id.rawValue)
        #expect(seed.counters["visitor"] == other.id.rawValue)
        #expect(
            Set(seed.uniqueNames) == [
                "visitor:\(site.id.rawValue):v_1", "visitor:\(site.id.rawValue):v_2", "login:\(site.id.rawValue):alice",
                "login:\(site.id.rawValue):alice@shop.example", "account:alice", "account:alice@shop.example",
            ])
        #expect(seed.clientMessageIDs.map(\.clientID) == ["c-0", "c-1", "c-2"])
        #expect(seed.clientMessageIDs.map(\.seq) == [last - 2, last - 1, last])
        #expect(seed.clientMessageIDs.allSatisfy { $0.conversation == conversation.id.rawValue && $0.secondsLeft > 86_000 })
        #expect(seed.idempotencyClaims.count == 1 && seed.idempotencyClaims[0].name.hasPrefix("idem:"))
        // Past their windows nothing of the kind is written back.
        let later = ClusterSeed(state: state, now: Timestamp(milliseconds: asked.milliseconds + 86_400_000), dedupeWindow: .seconds(86_400))
        #expect(later.clientMessageIDs.isEmpty && later.idempotencyClaims.isEmpty)
        #expect(later.uniqueNames == seed.uniqueNames)
    }

    @Test func aReseedIsRefusedUnlessRedisLostWhatTheSnapshotHolds() {
        #expect(ClusterReseed.decide(redisLSN: 0, streamEntries: 0, snapshotLSN: 90, liveNodes: [], replace: false) == .proceed(wipe: false))
        #expect(ClusterReseed.decide(redisLSN: 40, streamEntries: 10, snapshotLSN: 90, liveNodes: [], replace: true) == .proceed(wipe: true))
        let refusals = [
            ClusterReseed.decide(redisLSN: 0, streamEntries: 0, snapshotLSN: 0, liveNodes: [], replace: false),
            ClusterReseed.decide(redisLSN: 0, streamEntries: 0, snapshotLSN: 90, liveNodes: ["a"], replace: true),
            ClusterReseed.decide(redisLSN: 90, streamEntries: 5, snapshotLSN: 90, liveNodes: [], replace: true),
            ClusterReseed.decide(redisLSN: 120, streamEntries: 5, snapshotLSN: 90, liveNodes: [], replace: true),
            ClusterReseed.decide(redisLSN: 40, streamEntries: 10, snapshotLSN: 90, liveNodes: [], replace: false),
            ClusterReseed.decide(redisLSN: 0, streamEntries: 3, snapshotLSN: 90, liveNodes: [], replace: false),
        ]
        // --replace deletes `<prefix>:*` with the prefix matched literally.
        #expect(ClusterReseed.globEscaped("eu*[1]?") == #"eu\*\[1\]\?"#)
        for decision in refusals {
            guard case .refuse = decision else {
                Issue.record("\(decision) should refuse")
                continue
            }
        }
    }

    @Test func twoNodesGoOnFromANodesSnapshotAfterRedisLostEverything() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let (a, b) = try await ClusterBrokerTests.twoNodes(redis)
        // The nodes are stopped and started again on the same directories below; they go last.
        defer { for directory in [a.directory, b.directory] { try? FileManager.default.removeItem(atPath: directory) } }
        let client = RedisClient(configuration: redis.configuration)
        defer { Task { await client.shutdown() } }
        let keys = RedisLog.Keys()
        let secret = try await ClusterSecret.loadOrCreate(client: client, keys: keys, dataDirectory: a.directory)

        let site = try await a.broker.directory.createSite(name: "Shop", domain: "")
        try await waitUntil { b.store.read { $0.sites[site.id] != nil } }
        _ = try await b.broker.directory.createAgent(
            site: site.id, username: "ann", email: "ann@shop.example", password: "correct horse", role: .agent)
        let (vera, _) = try await b.broker.directory.registerVisitor(site: site.id, externalID: "v-1", name: "Vera")
        let (olga, _) = try await a.broker.directory.registerVisitor(site: site.id, externalID: "v-2", name: "Olga")
        let open = try await a.broker.openConversation(site: site.id, visitor: vera.id)
        let closed = try await b.broker.openConversation(site: site.id, visitor: olga.id)
        for index in 0..<5 {
            let draft = MessageDraft(sender: .visitor(vera.id), content: "m\(index)", clientMessageID: "c-\(index)")
            _ = try await (index.isMultiple(of: 2) ? a : b).broker.send(draft, to: open.id)
        }
        try await b.broker.close(closed.id)
        // A file uploaded through node b: node a has no copy of its bytes.
        let filesB = FileLibrary(store: b.store, blobs: try BlobStore(dataDirectory: b.directory))
        let writer = try filesB.blobs.begin()
        try Array("the bytes of a receipt".utf8).withUnsafeBytes { try writer.append($0) }
        let sha = try writer.finish()
        _ = try await filesB.add(
            site: site.id, name: "receipt.txt", contentType: "text/plain", size: writer.size, sha256: sha, by: .visitor(vera.id), conversation: open.id)
        try await waitUntil { a.store.appliedLSN == b.store.appliedLSN }
        // Node b's snapshot is older than a's: it will start from the shared one.
        try b.store.takeSnapshot()
        _ = try await a.broker.send(MessageDraft(sender: .visitor(vera.id), content: "m5", clientMessageID: "c-5"), to: open.id)
        let messages = try a.broker.messages(open.id, page: .newest(limit: 50)).messages
        let lastSeq = try #require(messages.last?.seq)
        func seq(of clientID: String) -> UInt64? { messages.first { $0.clientMessageID == clientID }?.seq }
        ClusterBrokerTests.stop(a, b)
        let reseedLSN = a.store.appliedLSN
        try a.store.takeSnapshot()
        let before = a.store.read { StateCodec.encode($0) }

        // Redis loses everything; a node no longer starts on it.
        try await client.send("FLUSHALL")
        await #expect(throws: StorageError.self) { _ = try await ClusterBrokerTests.start(redis, directory: a.directory) }
        let cluster = ClusterConfiguration(redis: redis.configuration)
        let storage = StorageConfiguration(dataDirectory: a.directory)
        // The file's bytes are only in node b's directory: refused until it is named.
        let missing = await #expect(throws: ClusterReseedError.self) { _ = try await ClusterReseed.run(storage, cluster: cluster) }
        #expect(missing?.description.contains("--blobs-from") == true)
        #expect(try await client.send("GET", "parley:lsn") == .null, "a refused reseed writes nothing")
        let report = try await ClusterReseed.run(storage, cluster: cluster, options: .init(blobSources: [b.directory]))
        #expect(report.lsn == reseedLSN && report.blobsWritten == 1 && report.blobsMissing.isEmpty && report.tokenKeyRestored)
        // The closed conversation has no message, so no `seq` to write back.
        #expect(report.conversations == 1 && report.closedConversations == 1 && report.clientMessageIDs == 6, "\(report)")
        await #expect(throws: ClusterReseedError.self) { _ = try await ClusterReseed.run(storage, cluster: cluster) }

        // Both nodes start again: a from its own snapshot, b from the shared one.
        let a2 = try await ClusterBrokerTests.start(redis, directory: a.directory)
        let b2 = try await ClusterBrokerTests.start(redis, directory: b.directory)
        defer { ClusterBrokerTests.stop(a2, b2) }
        #expect(b2.store.appliedLSN == reseedLSN)
        #expect(a2.store.read { StateCodec.encode($0) } == before && b2.store.read { StateCodec.encode($0) } == before)
        #expect(try await ClusterSecret.loadOrCreate(client: client, keys: keys) == secret, "sessions survive")

        // The script decides as it would have: the next seq, ids above the old ones, the closed
        // conversation, a repeated client message id, names already held.
        let next = try await b2.broker.send(MessageDraft(sender: .visitor(vera.id), content: "m6"), to: open.id)
        #expect(next.message.seq == lastSeq + 1 && next.message.id.rawValue > messages.map(\.id.rawValue).max()!)
        let repeated = try await b2.broker.send(MessageDraft(sender: .visitor(vera.id), content: "m5", clientMessageID: "c-5"), to: open.id)
        #expect(repeated.duplicate && repeated.message.seq == seq(of: "c-5"))
        let log = RedisLog(client: client)
        let retry = try await log.append(
            RedisLogRecord(type: 0, payload: .init(), conversation: open.id.rawValue, kind: .message(clientMessageID: "c-3")))
        #expect(retry == .repeated(seq: try #require(seq(of: "c-3")), lsn: reseedLSN))
        let late = await #expect(throws: EngineError.self) {
            try await a2.broker.send(MessageDraft(sender: .visitor(olga.id), content: "late"), to: closed.id)
        }
        #expect(late?.code == .conflict)
        let (third, _) = try await a2.broker.directory.registerVisitor(site: site.id, externalID: "v-3", name: "Tom")
        #expect(third.id.rawValue > olga.id.rawValue)
        try await waitUntil { b2.store.read { $0.visitors[third.id] != nil } }
        let newer = try await b2.broker.openConversation(site: site.id, visitor: third.id)
        #expect(newer.id.rawValue == closed.id.rawValue + 1)
        for name in ["visitor:\(site.id.rawValue):v-1", "login:\(site.id.rawValue):ann", "account:ann@shop.example"] {
            #expect(try await client.send("HGET", "parley:unique", .text(name)).string == "\(reseedLSN)", "\(name)")
        }
        await #expect(throws: EngineError.self) {
            _ = try await b2.broker.directory.createAgent(
                site: site.id, username: "ann", email: "other@shop.example", password: "correct horse", role: .agent)
        }
        // The file's bytes are in Redis again: node a, which never had them, serves them.
        let filesA = FileLibrary(store: a2.store, blobs: try BlobStore(dataDirectory: a.directory))
        #expect(try await filesA.bytes(sha) == Array("the bytes of a receipt".utf8))

        // Redis restored from an older copy: refused without --replace, done with it.
        try await waitUntil { a2.store.appliedLSN == b2.store.appliedLSN }
        ClusterBrokerTests.stop(a2, b2)
        try a2.store.takeSnapshot()
        try await client.send("SET", "parley:lsn", .integer(Int64(reseedLSN)))
        try await client.send("DEL", "parley:nodes")
        await #expect(throws: ClusterReseedError.self) { _ = try await ClusterReseed.run(storage, cluster: cluster) }
        let replaced = try await ClusterReseed.run(storage, cluster: cluster, options: .init(replace: true))
        #expect(replaced.keysReplaced > 0 && replaced.lsn == a2.store.appliedLSN)
        let a3 = try await ClusterBrokerTests.start(redis, directory: a.directory)
        defer { ClusterBrokerTests.stop(a3) }
        let after = try await a3.broker.send(MessageDraft(sender: .visitor(vera.id), content: "m7"), to: open.id)
        #expect(after.message.seq == lastSeq + 2)
    }
}
