import Foundation
import ParleyEngine
import ParleyHistory
import ParleyModel
import ParleyRedis
import ParleySnapshot
import ParleyStorage
import ParleyTestSupport
import Testing

/// History files on cluster nodes (docs/SCALING.md, "History files across nodes"): the node that
/// claims the maintenance run compacts, every other node writes its own copy of the file as it
/// applies the record, both read the moved messages from disk alike; a rewrite after an erasure
/// happens on every node; and a node started from the shared snapshot fetches the files from the
/// others.
@Suite(.serialized) struct ClusterHistoryTests {
    static func start(_ redis: RedisServerProcess) async throws -> ClusterBrokerTests.Node {
        let directory = ParleyBinary.temporaryDirectory("cluster-history")
        var configuration = StorageConfiguration(
            dataDirectory: directory, compaction: CompactionPolicy(keepNewest: 3, minimumMessages: 1), compactionEverySeconds: 1)
        configuration.usesLockFile = false
        let store = try await EventStore.openCluster(configuration, cluster: ClusterConfiguration(redis: redis.configuration))
        return ClusterBrokerTests.Node(directory: directory, store: store, broker: Broker(store: store, passwords: PasswordHasher(cost: 4)))
    }

    func waitUntil(_ condition: () async -> Bool) async throws { try await ClusterBrokerTests.waitUntil(condition) }

    /// Every message of `conversation` as `node` reads it: (seq, content).
    func contents(_ node: ClusterBrokerTests.Node, _ conversation: ConversationID) throws -> [String] {
        try node.broker.messages(conversation, page: .newest(limit: 200)).messages.map { "\($0.seq) \($0.content)" }
    }

    @Test func historyFilesAreWrittenOnEveryNodeRewrittenAfterAnErasureAndFetchedByANewNode() async throws {
        let redis = try RedisServerProcess()
        defer { redis.stop() }
        let a = try await Self.start(redis)
        let b = try await Self.start(redis)
        var nodes = [a, b]
        defer { ClusterBrokerTests.discard(nodes) }
        let site = try await a.broker.directory.createSite(name: "Shop", domain: "")
        try await waitUntil { b.store.read { $0.sites[site.id] != nil } }
        let (vera, _) = try await a.broker.directory.registerVisitor(site: site.id, externalID: "vera", name: "Vera")
        let (gone, _) = try await b.broker.directory.registerVisitor(site: site.id, externalID: "gone", name: "Gone")
        let kept = try await a.broker.openConversation(site: site.id, visitor: vera.id).id
        let erased = try await b.broker.openConversation(site: site.id, visitor: gone.id).id
        for index in 0..<20 {
            _ = try await a.broker.send(MessageDraft(sender: .visitor(vera.id), content: "kept \(index)"), to: kept)
            _ = try await b.broker.send(MessageDraft(sender: .visitor(gone.id), content: "erased \(index)"), to: erased)
        }
        try await waitUntil { a.store.appliedLSN == b.store.appliedLSN }
        let before = try contents(a, kept)

        // Node a compacts; node b writes its own file when it applies the record.
        let report = try #require(try await a.store.maintain(now: .now()))
        let added = try #require(report.compacted)
        try await waitUntil { b.store.appliedLSN == a.store.appliedLSN }
        #expect(b.store.history.liveNumbers == [added.number] && a.store.history.liveNumbers == [added.number])
        for node in nodes {
            #expect(node.store.read { $0.conversations[kept]?.hotMessages.count } == 3, "17 messages left RAM")
            #expect(try contents(node, kept) == before, "read from the file alike")
        }
        // Node b finds the run taken while a's claim lasts.
        #expect(try #require(try await b.store.maintain(now: .now())).compacted == nil)

        // An erasure through node b; the next run (node b's, once a's claim lapsed) writes the file
        // again without the erased conversation, on both nodes.
        try await PrivacyService(broker: b.broker, files: nil).erase(gone.id, by: nil, runMaintenance: false)
        try await Task.sleep(for: .seconds(1))
        let rewrite = try #require(try await b.store.maintain(now: .now()))
        #expect(rewrite.replacedFiles.count == 1)
        try await waitUntil { a.store.appliedLSN == b.store.appliedLSN }
        for node in nodes {
            let live = node.store.history.liveNumbers
            #expect(live.count == 1 && !live.contains(added.number))
            let file = try #require(live.first.flatMap { node.store.history.file($0) })
            #expect(file.conversations.map(\.0) == [kept], "the erased conversation's messages are gone from the file")
            #expect(try contents(node, kept) == before)
        }
        // The old file stays until a snapshot of the node's covers the record; housekeeping
        // takes one and unlinks it.
        let oldFile = "/history/" + HistoryFileFormat.fileName(number: added.number)
        #expect(FileManager.default.fileExists(atPath: a.directory + oldFile))
        for node in nodes {
            try await node.store.clusterHousekeeping(snapshotEveryRecords: 1_000_000)!.step()
            #expect(!FileManager.default.fileExists(atPath: node.directory + oldFile))
            #expect(try node.store.listSnapshots().contains { $0.lsn >= b.store.appliedLSN - 1 })
        }

        // The shared snapshot, the stream trimmed: a new node starts from the snapshot and fetches
        // the file it names from the others.
        let servers = [Task { await a.store.serveHistoryFiles() }, Task { await b.store.serveHistoryFiles() }]
        defer { for server in servers { server.cancel() } }
        try await Task.sleep(for: .milliseconds(300))  // subscribed
        for node in nodes { try await node.store.clusterHousekeeping(snapshotEveryRecords: 1)!.step() }
        for node in nodes { try await node.store.clusterHousekeeping(snapshotEveryRecords: 1_000_000)!.step() }
        let c = try await Self.start(redis)
        nodes.append(c)
        #expect(c.store.history.liveNumbers == a.store.history.liveNumbers)
        #expect(try contents(c, kept) == before)
        _ = try await c.broker.send(MessageDraft(sender: .visitor(vera.id), content: "after"), to: kept)
    }
}
