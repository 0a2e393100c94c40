import Foundation
import ParleyEngine
import ParleyHistory
import ParleyLog
import ParleyModel
import ParleySnapshot
import ParleyStorage
import ParleyTestSupport
import Testing

/// Retention and erasure on a real disk (issue 16): after the purge and one maintenance run,
/// no file of the data directory holds a byte of what went — raw, or once its snapshots,
/// history files and log records are decoded — while everything else reads as before, across
/// a restart.
@Suite struct RetentionErasureTests {
    struct Disk {
        let directory: String
        let store: EventStore
        let broker: Broker
        let files: FileLibrary
        let privacy: PrivacyService

        static func open(_ directory: String) throws -> Disk {
            var configuration = StorageConfiguration(
                dataDirectory: directory, segmentBytes: 8192, compaction: CompactionPolicy(keepNewest: 3, minimumMessages: 1),
                compactionEverySeconds: 0)
            configuration.usesLockFile = false
            let store = try EventStore.open(configuration)
            let files = FileLibrary(store: store, blobs: try BlobStore(dataDirectory: directory))
            let broker = Broker(store: store, passwords: PasswordHasher(cost: 4))
            return Disk(
                directory: directory, store: store, broker: broker, files: files, privacy: PrivacyService(broker: broker, files: files))
        }

        func maintain(now: Timestamp = .now()) async throws -> MaintenanceReport {
            try #require(try await store.maintain(now: now, releaseBlob: { files.release($0) }))
        }

        func upload(_ text: String, site: SiteID, by visitor: VisitorID, to conversation: ConversationID) async throws -> StoredFile {
            let writer = try files.blobs.begin()
            try Array(text.utf8).withUnsafeBytes { try writer.append($0) }
            let sha = try writer.finish()
            return try await files.add(
                site: site, name: "\(text).txt", contentType: "text/plain", size: writer.size, sha256: sha, by: .visitor(visitor),
                conversation: conversation)
        }
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("parley-erasure-\(UUID().uuidString)").path
    }

    @Test func anErasedVisitorLeavesNoByteOnDiskAndOthersKeepEverything() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let erased = "ERASE\(UUID().uuidString.prefix(8))"
        let kept = "KEEP\(UUID().uuidString.prefix(8))"
        var disk = try Disk.open(directory)
        let site = try await disk.broker.directory.createSite(name: "Shop", domain: "https://shop.example")
        let agent = try await disk.broker.directory.createAgent(
            site: site.id, username: "ann", email: "ann@shop.example", password: "correct horse", role: .owner)
        let (gone, _) = try await disk.broker.directory.registerVisitor(
            site: site.id, externalID: "ext-\(erased)", name: "Name \(erased)", email: "\(erased)@mail.example",
            metadataJSON: #"{"note":"\#(erased)"}"#)
        let (stays, _) = try await disk.broker.directory.registerVisitor(site: site.id, externalID: "ext-\(kept)", name: "Kim")
        let goneConversation = try await disk.broker.openConversation(site: site.id, visitor: gone.id).id
        let keptConversation = try await disk.broker.openConversation(site: site.id, visitor: stays.id).id
        for index in 0..<30 {
            _ = try await disk.broker.send(MessageDraft(sender: .visitor(gone.id), content: "\(erased) says \(index)"), to: goneConversation)
            _ = try await disk.broker.send(MessageDraft(sender: .agent(agent.id), content: "reply to \(erased) \(index)"), to: goneConversation)
            _ = try await disk.broker.send(MessageDraft(sender: .visitor(stays.id), content: "\(kept) says \(index)"), to: keptConversation)
        }
        let file = try await disk.upload("file of \(erased)", site: site.id, by: gone.id, to: goneConversation)
        _ = try await disk.upload("file of \(kept)", site: site.id, by: stays.id, to: keptConversation)
        // Spread over every kind of file: snapshots, several log segments, a history file.
        try disk.store.takeSnapshot()
        _ = try #require(try await disk.store.compactHistory(now: .now()))
        try disk.store.takeSnapshot()
        _ = try await disk.broker.send(MessageDraft(sender: .visitor(gone.id), content: "last word of \(erased)"), to: goneConversation)
        let keptBefore = try disk.broker.messages(keptConversation, page: .newest(limit: 100)).messages
        #expect(!DataDirectoryScan.rawHits(erased, in: directory).isEmpty)
        #expect(try !DataDirectoryScan.decodedHits(erased, in: directory).isEmpty)

        let erasure = try await disk.privacy.erase(gone.id, by: agent.id, runMaintenance: false)
        #expect(erasure.conversations == 1 && erasure.messages == 61 && erasure.files == 1 && erasure.visitors == 1)
        // Gone from every read at once.
        #expect(try disk.broker.messages(goneConversation, page: .newest(limit: 100)).messages.isEmpty)
        let shell = try #require(disk.broker.visitor(gone.id))
        #expect(shell.name.isEmpty && shell.email == nil && shell.externalID.isEmpty && shell.metadataJSON == nil)
        #expect(disk.files.file(file.id) == nil)
        #expect(disk.broker.conversation(goneConversation)?.closedAt != nil)
        // The conversation's live actor refuses new messages, as after any close.
        await #expect(throws: EngineError.self) {
            try await disk.broker.send(MessageDraft(sender: .agent(agent.id), content: "still there?"), to: goneConversation)
        }

        let report = try await disk.maintain()
        #expect(report.replacedFiles.count == 1 && report.scrubSnapshotLSN != nil)
        #expect(DataDirectoryScan.rawHits(erased, in: directory) == [])
        #expect(try DataDirectoryScan.decodedHits(erased, in: directory) == [])
        // The other visitor's messages are all still there: in the files, and to every read.
        #expect(!DataDirectoryScan.rawHits(kept, in: directory).isEmpty)
        #expect(try disk.broker.messages(keptConversation, page: .newest(limit: 100)).messages == keptBefore)
        // A second run has nothing left to do.
        #expect(try await disk.maintain().isEmpty)

        // A restart reads the same: the erasure holds, the rest is intact.
        let before = StateCodec.encode(disk.store.read { $0 })
        disk.store.close()
        disk = try Disk.open(directory)
        #expect(StateCodec.encode(disk.store.read { $0 }) == before)
        #expect(try disk.broker.messages(keptConversation, page: .newest(limit: 100)).messages == keptBefore)
        #expect(try disk.broker.messages(goneConversation, page: .newest(limit: 100)).messages.isEmpty)
        // The erased conversation is closed: it takes no new message.
        await #expect(throws: EngineError.self) {
            try await disk.broker.send(MessageDraft(sender: .agent(agent.id), content: "anyone?"), to: goneConversation)
        }
        disk.store.close()
    }

    @Test func retentionExpiresOldMessagesFromRAMHistoryLogAndSnapshots() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = "OLD\(UUID().uuidString.prefix(8))"
        let recent = "NEW\(UUID().uuidString.prefix(8))"
        var disk = try Disk.open(directory)
        let site = try await disk.broker.directory.createSite(name: "Shop", domain: "")
        let (visitor, _) = try await disk.broker.directory.registerVisitor(site: site.id, externalID: "v", name: "Vera")
        let now = Timestamp.now()
        let day: Int64 = 86_400_000
        // A conversation opened ten days ago: twenty messages from then, five from today.
        let conversation = Conversation(
            id: ConversationID(9_000), siteID: site.id, party: .visitor(visitor.id), createdAt: Timestamp(milliseconds: now.milliseconds - 10 * day))
        try await disk.store.commit(.conversationOpened(conversation))
        for seq in UInt64(1)...25 {
            let when = seq <= 20 ? now.milliseconds - 10 * day + Int64(seq) : now.milliseconds - 1000 + Int64(seq)
            try await disk.store.commit(
                .messageAppended(
                    Message(
                        id: MessageID(90_000 + seq), conversationID: conversation.id, seq: seq, sender: .visitor(visitor.id),
                        content: "\(seq <= 20 ? old : recent) \(seq)", createdAt: Timestamp(milliseconds: when))))
        }
        try disk.store.takeSnapshot()
        // Cold: seq 1 … 22 (old and new) in a history file; hot: 23 … 25.
        #expect(try await disk.store.compactHistory(now: now)?.moves.map(\.through) == [22])
        _ = try await disk.privacy.setRetention(site: site.id, days: 7, by: nil)
        #expect(try await disk.maintain(now: now).isEmpty == false)
        #expect(disk.store.read { $0.conversations[conversation.id]?.purgedThrough } == 20)
        let left = try disk.broker.messages(conversation.id, page: .newest(limit: 100))
        #expect(left.messages.map(\.seq) == Array(21...25) && !left.hasMore)
        #expect(try disk.broker.messages(conversation.id, page: .afterSeq(0, limit: 3)).messages.map(\.seq) == [21, 22, 23])
        #expect(disk.broker.unreadCount(conversation.id, for: .agent(AgentID(1))) == 5)
        #expect(DataDirectoryScan.rawHits(old, in: directory) == [])
        #expect(try DataDirectoryScan.decodedHits(old, in: directory) == [])
        #expect(!DataDirectoryScan.rawHits(recent, in: directory).isEmpty)
        // Nothing more is old enough today.
        #expect(try await disk.maintain(now: now).isEmpty)

        let before = StateCodec.encode(disk.store.read { $0 })
        disk.store.close()
        disk = try Disk.open(directory)
        #expect(StateCodec.encode(disk.store.read { $0 }) == before)
        #expect(try disk.broker.messages(conversation.id, page: .newest(limit: 100)).messages.map(\.seq) == Array(21...25))
        // A new message continues the seqs after the purged ones.
        let next = try await disk.broker.send(MessageDraft(sender: .visitor(visitor.id), content: "\(recent) 26"), to: conversation.id)
        #expect(next.message.seq == 26)
        // Eight days on, everything is past the period: the conversation stays, empty.
        let report = try await disk.maintain(now: Timestamp(milliseconds: now.milliseconds + 8 * day))
        #expect(report.expiredMessages == 6)
        #expect(try disk.broker.messages(conversation.id, page: .newest(limit: 100)).messages.isEmpty)
        #expect(DataDirectoryScan.rawHits(recent, in: directory) == [])
        #expect(disk.store.read { $0.history.coldMessages } == 0)
        disk.store.close()
    }
}
