import ParleyModel
import ParleyTestSupport
import Testing

/// The state machine of retention and erasure (codec v19), without I/O: what applying
/// `messages_expired` and `visitor_erased` removes, what it refuses, and that snapshots keep it.
@Suite struct PurgeStateTests {
    static let t0 = SampleData.t0
    static let merged = Visitor(
        id: VisitorID(2), siteID: SampleData.site.id, externalID: "second-browser", name: "John again", firstSeenAt: t0, lastSeenAt: t0)
    static let other = Visitor(
        id: VisitorID(3), siteID: SampleData.site.id, externalID: "someone-else", name: "Olga", firstSeenAt: t0, lastSeenAt: t0)

    /// A site, three visitors (the second merged into the first by a shared user id), a
    /// conversation of ten messages for the first and one of two for the third, sessions, a
    /// rating and files. Returns the state and the next LSN.
    static func populated() throws -> (ParleyState, UInt64) {
        var state = ParleyState()
        var lsn: UInt64 = 0
        func apply(_ event: Event) throws {
            lsn += 1
            _ = try state.apply(event, lsn: lsn)
        }
        try apply(.siteCreated(SampleData.site))
        try apply(.agentCreated(SampleData.agent))
        for visitor in [SampleData.visitor, merged, other] { try apply(.visitorRegistered(visitor)) }
        try apply(.customerIdentified(SampleData.visitor.id, userID: "u-1", name: nil, email: nil, metadataJSON: nil, at: t0))
        try apply(.customerIdentified(merged.id, userID: "u-1", name: nil, email: nil, metadataJSON: nil, at: t0))
        try apply(.conversationOpened(SampleData.conversation))
        for seq in UInt64(1)...10 { try apply(.messageAppended(SampleData.message(seq: seq))) }
        let otherConversation = Conversation(id: ConversationID(2), siteID: SampleData.site.id, visitorID: other.id, createdAt: t0)
        try apply(.conversationOpened(otherConversation))
        for seq in UInt64(1)...2 {
            try apply(
                .messageAppended(
                    Message(
                        id: MessageID(100 + seq), conversationID: otherConversation.id, seq: seq, sender: .visitor(other.id),
                        content: "other \(seq)", createdAt: t0)))
        }
        try apply(.visitorSessionIssued(SampleData.visitor.id, tokenHash: "hash-a", at: t0))
        try apply(.visitorSessionIssued(merged.id, tokenHash: "hash-b", at: t0))
        try apply(.visitorSessionIssued(other.id, tokenHash: "hash-c", at: t0))
        try apply(.conversationRated(SampleData.conversation.id, score: 5, comment: "John was happy", at: t0))
        for scope in ["visitor:1 /v1/messages k1", "visitor:3 /v1/messages k2", "visitor:12 /v1/messages k3"] {
            try apply(
                .idempotentReplyRecorded(
                    IdempotentReply(scope: scope, requestHash: "h", status: 201, contentType: nil, body: "{}", recordedAt: t0)))
        }
        for (id, uploader, conversation) in [
            (UInt64(1), SampleData.visitor.id, SampleData.conversation.id), (2, other.id, otherConversation.id),
        ] {
            try apply(
                .fileStored(
                    StoredFile(
                        id: FileID(id), siteID: SampleData.site.id, originalName: "f\(id).txt", contentType: "text/plain", size: 3,
                        sha256: String(repeating: "\(id)", count: 64), uploadedBy: .visitor(uploader), conversationID: conversation,
                        createdAt: t0)))
        }
        // The first six messages of the first conversation are cold.
        try apply(
            .historyFileAdded(
                HistoryFileAdded(number: 1, moves: [.init(conversation: SampleData.conversation.id, through: 6)], at: t0)))
        return (state, lsn + 1)
    }

    @Test func expiryPurgesColdAndHotMessagesAndKeepsTheCounts() throws {
        var (state, lsn) = try Self.populated()
        let id = SampleData.conversation.id
        let expired = MessagesExpired(siteID: SampleData.site.id, cutoff: Self.t0, purges: [.init(conversation: id, through: 4)], at: Self.t0)
        #expect(try state.apply(.messagesExpired(expired), lsn: lsn))
        var log = try #require(state.conversations[id])
        #expect(log.purgedThrough == 4 && log.coldThrough == 6 && log.messageCount == 6 && log.firstReadableSeq == 5)
        #expect(state.history.coldMessages == 2 && state.messageCount == 8 && state.retention.lastPurgeLSN == lsn)
        #expect(try log.message(seq: 3, cold: NoColdHistory()) == nil)
        // Replayed, it changes nothing; a later one past the cold prefix drops hot messages too.
        #expect(try !state.apply(.messagesExpired(expired), lsn: lsn))
        lsn += 1
        var further = expired
        further.purges = [.init(conversation: id, through: 8)]
        #expect(try state.apply(.messagesExpired(further), lsn: lsn))
        log = try #require(state.conversations[id])
        #expect(log.purgedThrough == 8 && log.coldThrough == 8 && log.hotMessages.map(\.seq) == [9, 10])
        #expect(state.history.coldMessages == 0 && state.messageCount == 4)
        #expect(try log.messages(in: 1...10, cold: NoColdHistory()).map(\.seq) == [9, 10])
        #expect(log.unreadCount(for: .agent(SampleData.agent.id), cold: NoColdHistory()) == 1)

        // The snapshot body keeps the purged prefix and the retention section.
        lsn += 1
        _ = try state.apply(.retentionSet(RetentionPolicy(siteID: SampleData.site.id, days: 30, setBy: nil, setAt: Self.t0)), lsn: lsn)
        let bytes = StateCodec.encode(state)
        let decoded = try bytes.withUnsafeBytes { try StateCodec.decode($0) }
        #expect(StateCodec.encode(decoded) == bytes)
        #expect(decoded.conversations[id]?.purgedThrough == 8 && decoded.retention == state.retention)
    }

    @Test func anExpiryTheStateCannotFollowChangesNothing() throws {
        var (state, lsn) = try Self.populated()
        let before = state
        let beyond = MessagesExpired(
            siteID: SampleData.site.id, cutoff: Self.t0,
            purges: [.init(conversation: SampleData.conversation.id, through: 3), .init(conversation: ConversationID(2), through: 9)],
            at: Self.t0)
        #expect(throws: StateError.self) { try state.apply(.messagesExpired(beyond), lsn: lsn) }
        lsn += 1
        let unknown = MessagesExpired(siteID: SampleData.site.id, cutoff: Self.t0, purges: [.init(conversation: ConversationID(77), through: 1)], at: Self.t0)
        #expect(throws: StateError.self) { try state.apply(.messagesExpired(unknown), lsn: lsn) }
        lsn += 1
        #expect(throws: StateError.self) { try state.apply(.visitorErased(VisitorID(99), by: nil, at: Self.t0), lsn: lsn) }
        lsn += 1
        #expect(throws: StateError.self) { try state.apply(.historyFileReplaced(old: 5, new: 6, at: Self.t0), lsn: lsn) }
        // Nothing changed but the applied LSN (the first conversation was not half-purged).
        #expect(state.conversations == before.conversations && state.history == before.history)
        #expect(state.retention == before.retention && state.visitors == before.visitors)
    }

    @Test func erasureTakesTheCustomerAndTheVisitorsMergedIntoIt() throws {
        var (state, lsn) = try Self.populated()
        #expect(try state.apply(.visitorErased(SampleData.visitor.id, by: SampleData.agent.id, at: Self.t0), lsn: lsn))
        for id in [SampleData.visitor.id, Self.merged.id] {
            let visitor = try #require(state.visitors[id])
            #expect(visitor.name.isEmpty && visitor.externalID.isEmpty && visitor.email == nil && visitor.metadataJSON == nil)
            #expect(state.identities.userIDs[id] == nil && state.identities.mergedInto[id] == nil)
        }
        #expect(state.visitorSessions.all.keys.sorted() == ["hash-c"])
        #expect(state.visitorsByExternalID.values.sorted() == [Self.other.id])
        let log = try #require(state.conversations[SampleData.conversation.id])
        #expect(log.purgedThrough == 10 && log.hotMessages.isEmpty && log.messageCount == 0)
        #expect(log.conversation.subject == nil && log.conversation.closedAt == Self.t0)
        #expect(state.openConversationByVisitor[SampleData.visitor.id] == nil)
        #expect(state.plans.ratings[SampleData.conversation.id]?.comment == nil)
        #expect(state.plans.ratings[SampleData.conversation.id]?.score == 5)
        #expect(state.files.files.keys.sorted() == [FileID(2)])
        #expect(state.idempotency.replies.keys.sorted() == ["visitor:12 /v1/messages k3", "visitor:3 /v1/messages k2"])
        #expect(state.history.coldMessages == 0 && state.messageCount == 2)
        // The other visitor is untouched.
        #expect(state.visitors[Self.other.id]?.name == "Olga" && state.visitors[Self.other.id]?.externalID == "someone-else")
        #expect(state.conversations[ConversationID(2)]?.messageCount == 2)
        // A replay of the same record is a no-op; the snapshot keeps the erasure.
        #expect(try !state.apply(.visitorErased(SampleData.visitor.id, by: nil, at: Self.t0), lsn: lsn))
        let decoded = try StateCodec.encode(state).withUnsafeBytes { try StateCodec.decode($0) }
        #expect(StateCodec.encode(decoded) == StateCodec.encode(state))
        #expect(decoded.retention.lastPurgeLSN == lsn)
    }

    @Test func aSnapshotPurgedPastItsColdPrefixIsRefused() throws {
        let log = ConversationLog(
            conversation: SampleData.conversation, hotMessages: [SampleData.message(seq: 3)], coldThrough: 2, purgedThrough: 2)
        let fine = ParleyState(
            sites: [SampleData.site], agents: [SampleData.agent], visitors: [SampleData.visitor], conversations: [log], appliedLSN: 9,
            history: HistoryCatalog(liveFiles: [], coldMessages: 0))
        let decoded = try StateCodec.encode(fine).withUnsafeBytes { try StateCodec.decode($0) }
        #expect(decoded.conversations[SampleData.conversation.id]?.purgedThrough == 2)
        var broken = log
        broken.purgedThrough = 3
        let state = ParleyState(
            sites: [SampleData.site], agents: [SampleData.agent], visitors: [SampleData.visitor], conversations: [broken], appliedLSN: 9)
        #expect(throws: CodecError.malformed("conversation#1 is purged through seq 3, past its cold prefix 2")) {
            try StateCodec.encode(state).withUnsafeBytes { try StateCodec.decode($0) }
        }
    }
}
