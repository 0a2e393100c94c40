import Foundation
import NIOCore
import ParleyEngine
import ParleyModel
import ParleyRedis
import ParleySnapshot
import ParleyStorage
import ParleyTestSupport
import Testing

/// Retention and erasure on cluster nodes (docs/SCALING.md, "Retention and erasure across
/// nodes"): one node expires a site's old messages for the whole cluster, and after an expiry or
/// an erasure no byte of what went is left in Redis (the stream, the shared snapshot, a file's
/// shared bytes, the append-only file on Redis's disk) or in any node's snapshots, while every
/// node keeps everything else.
@Suite(.serialized) struct ClusterRetentionTests {
    /// Every file under Redis's directory (its append-only files), as one byte string.
    static func redisDisk(_ redis: RedisServerProcess) throws -> [UInt8] {
        let names = FileManager.default.subpaths(atPath: redis.directory.path) ?? []
        return try names.flatMap { name -> [UInt8] in
            var isDirectory: ObjCBool = false
            let path = redis.directory.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return [] }
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    func waitUntil(_ condition: () async -> Bool) async throws { try await ClusterBrokerTests.waitUntil(condition) }

    @Test func anExpiryAndAnErasureLeaveNoByteInRedisOrOnAnyNode() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let (a, b) = try await ClusterBrokerTests.twoNodes(redis)
        defer { ClusterBrokerTests.discard(a, b) }
        let client = RedisClient(configuration: redis.configuration)
        defer { Task { await client.shutdown() } }
        let filesA = FileLibrary(store: a.store, blobs: try BlobStore(dataDirectory: a.directory))
        let privacyA = PrivacyService(broker: a.broker, files: filesA)
        let erased = "ERASE\(UUID().uuidString.prefix(8))"
        let expired = "EXPIRE\(UUID().uuidString.prefix(8))"
        let kept = "KEEP\(UUID().uuidString.prefix(8))"

        let shop = try await a.broker.directory.createSite(name: "Shop", domain: "")
        let archive = try await a.broker.directory.createSite(name: "Archive", domain: "")
        try await waitUntil { b.store.read { $0.sites[archive.id] != nil } }
        let (gone, _) = try await a.broker.directory.registerVisitor(site: shop.id, externalID: "ext-\(erased)", name: "Name \(erased)")
        let (stays, _) = try await b.broker.directory.registerVisitor(site: shop.id, externalID: "ext-\(kept)", name: "Kim")
        let (old, _) = try await b.broker.directory.registerVisitor(site: archive.id, externalID: "old", name: "Olga")
        let goneConversation = try await a.broker.openConversation(site: shop.id, visitor: gone.id).id
        let keptConversation = try await b.broker.openConversation(site: shop.id, visitor: stays.id).id
        let oldConversation = try await b.broker.openConversation(site: archive.id, visitor: old.id).id
        for index in 0..<10 {
            _ = try await a.broker.send(MessageDraft(sender: .visitor(gone.id), content: "\(erased) says \(index)"), to: goneConversation)
            _ = try await b.broker.send(MessageDraft(sender: .visitor(stays.id), content: "\(kept) says \(index)"), to: keptConversation)
            _ = try await b.broker.send(MessageDraft(sender: .visitor(old.id), content: "\(expired) says \(index)"), to: oldConversation)
        }
        let writer = try filesA.blobs.begin()
        try Array("file of \(erased)".utf8).withUnsafeBytes { try writer.append($0) }
        let sha = try writer.finish()
        _ = try await filesA.add(
            site: shop.id, name: "note.txt", contentType: "text/plain", size: writer.size, sha256: sha, by: .visitor(gone.id),
            conversation: goneConversation)
        try await waitUntil { a.store.appliedLSN == b.store.appliedLSN }
        // Both nodes keep a snapshot with everything; Redis's disk has it too.
        for node in [a, b] { try node.store.takeSnapshot() }
        let before = try Self.redisDisk(redis)
        #expect(Self.contains(before, erased) && Self.contains(before, expired), "the check can see the bytes")
        #expect(try await client.send("EXISTS", .text("parley:blob:\(sha)")).int == 1)

        // The archive keeps a day; two days on, node b expires it for both nodes, and node a,
        // running the same interval, finds the run taken.
        _ = try await privacyA.setRetention(site: archive.id, days: 1, by: nil)
        let later = Timestamp(milliseconds: Timestamp.now().milliseconds + 2 * 86_400_000)
        let expiry = try #require(try await b.store.maintain(now: later))
        #expect(expiry.expiredMessages == 10)
        try await waitUntil { a.store.appliedLSN == b.store.appliedLSN }
        #expect(try #require(try await a.store.maintain(now: later)).expiredMessages == 0)
        // The visitor is erased through node a; node b serves the erasure.
        try await privacyA.erase(gone.id, by: nil, runMaintenance: false)
        try await waitUntil { a.store.appliedLSN == b.store.appliedLSN }
        let purge = a.store.read { $0.retention.lastPurgeLSN }
        #expect(purge > 0 && b.store.read { $0.retention.lastPurgeLSN } == purge)

        // Housekeeping on both nodes: the shared snapshot again, the stream trimmed past the
        // purge, the append-only file rewritten, each node's old snapshots gone.
        let housekeeping = [a, b].map { $0.store.clusterHousekeeping(snapshotEveryRecords: 1_000_000)! }
        var scrubbed = false
        for _ in 0..<100 where !scrubbed {
            for node in housekeeping { if try await node.step().scrubbedPurge == purge { scrubbed = true } }
            if !scrubbed { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(scrubbed)
        try await waitUntil {
            let info = (try? await client.send("INFO", "persistence").string) ?? ""
            return info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0")
        }
        let after = try Self.redisDisk(redis)
        #expect(!Self.contains(after, erased) && !Self.contains(after, expired), "Redis's disk holds nothing that went")
        let entries = try await RedisLog(client: client).entries(after: 0, count: 100_000)
        #expect(!entries.contains { Self.contains(Array($0.payload.readableBytesView), erased) || Self.contains(Array($0.payload.readableBytesView), expired) })
        #expect(try await client.send("EXISTS", .text("parley:blob:\(sha)")).int == 0, "the file's shared bytes are gone")
        let shared = try #require(try await RedisSharedSnapshot(client: client).load())
        #expect(shared.lsn >= purge)
        let sharedState = try SnapshotStore.decodeState(fileBytes: Array(shared.bytes.readableBytesView))
        for state in [sharedState, a.store.read { $0 }, b.store.read { $0 }] {
            // An erased visitor's conversation stays, closed and empty (as on one node).
            #expect(state.conversations[goneConversation]?.hotMessages.isEmpty == true)
            #expect(state.visitors[gone.id].map { !$0.name.contains(erased) && !$0.externalID.contains(erased) } ?? true)
            #expect(state.conversations[oldConversation]?.hotMessages.isEmpty == true)
            #expect(state.conversations[keptConversation]?.hotMessages.count == 10)
        }
        for node in [a, b] {
            #expect(try node.store.listSnapshots().allSatisfy { $0.lsn >= purge }, "no snapshot older than the purge")
        }
    }
}
