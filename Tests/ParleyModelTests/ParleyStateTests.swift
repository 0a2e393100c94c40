import ParleyModel
import ParleyTestSupport
import Testing

@Suite struct ParleyStateTests {
    func applied(_ events: [Event]) throws -> ParleyState {
        var state = ParleyState()
        for (index, event) in events.enumerated() { try state.apply(event, lsn: UInt64(index + 1)) }
        return state
    }

    @Test func everyEventApplies() throws {
        let state = try applied(SampleData.everyEvent)
        let log = try #require(state.conversations[SampleData.conversation.id])
        #expect(log.lastSeq == 2)
        #expect(log.conversation.status == .closed)
        #expect(log.conversation.assignedAgentID == SampleData.agent.id)
        #expect(log.readCursors[.agent(SampleData.agent.id)]?.seq == 2)
        // visitor_seen renamed them "John D."; v10's identify named them again, and the second
        // session, identified as the same user, was merged into them.
        #expect(state.visitors[SampleData.visitor.id]?.name == "John Doe")
        #expect(state.identities.customer(of: VisitorID(2)) == SampleData.visitor.id)
        #expect(state.visitorsByExternalID[SiteScopedKey(site: SampleData.site.id, key: "browser-session-2")] == SampleData.visitor.id)
        #expect(state.visitors[SampleData.visitor.id]?.metadataJSON == #"{"plan":"pro"}"#)
        // A snapshot restores the merge, the session alias included.
        let restored = try StateCodec.encode(state).withUnsafeBytes { try StateCodec.decode($0) }
        #expect(restored.visitorsByExternalID[SiteScopedKey(site: SampleData.site.id, key: "browser-session-2")] == SampleData.visitor.id)
        #expect(restored.identities.userIDs[SampleData.visitor.id] == "user-42")
        #expect(state.agents[SampleData.agent.id]?.availability == .away)
        #expect(state.sites[SampleData.site.id]?.ownerAgentID == SampleData.agent.id)
        #expect(state.appliedLSN == UInt64(SampleData.everyEvent.count))
        // The first conversation is closed; the second (codec v5) is open, with its metadata.
        #expect(state.openConversationByVisitor[SampleData.visitor.id] == ConversationID(2))
        #expect(state.conversations[ConversationID(2)]?.conversation.metadataJSON?.contains("pricing page") == true)
        #expect(state.conversations[ConversationID(2)]?.hotMessages.first?.metadataJSON == #"{"macro":"greeting"}"#)
        #expect(state.agentsByLogin["alice@company.com"] == [SampleData.agent.id])
        // v6: the widget channel; v7: an invite accepted into an agent, then promoted.
        #expect(state.settings.widgetChannels[SampleData.site.id]?.allowedOrigins.count == 2)
        #expect(state.sites[SampleData.site.id]?.widget.welcomeMessage == "Hello!")
        let bob = try #require(state.agents[AgentID(2)])
        #expect(bob.role == .admin && bob.departments == ["billing", "returns"])
        #expect(state.agentsByLogin["bob@company.com"] == [bob.id])
        #expect(state.team.invites.values.first?.acceptedAt != nil)
        #expect(state.team.pending(site: SampleData.site.id, at: SampleData.t0).isEmpty, "accepted: no longer pending")
    }

    /// The derived indexes (each visitor's conversations, each site's open ones, each site's
    /// visitors) agree with a pass over the conversations and visitors, live, after a snapshot's
    /// restore, and through an erasure.
    @Test func eachVisitorsConversationsAreIndexedInIDOrder() throws {
        let site = SampleData.site.id
        let other = Site(id: SiteID(99), name: "Other", domain: "https://other.example", publicKey: "pk_99", secretKey: "sk_99", createdAt: SampleData.t0)
        var events: [Event] = [.siteCreated(SampleData.site), .siteCreated(other)]
        // Visitors 1…5 on the site, 6…8 on the other, registered out of id order.
        for index in [2, 1, 6, 3, 5, 8, 4, 7] {
            events.append(.visitorRegistered(Visitor(
                id: VisitorID(UInt64(index)), siteID: index > 5 ? other.id : site, externalID: "v\(index)", name: "Visitor \(index)",
                firstSeenAt: SampleData.t0, lastSeenAt: SampleData.t0)))
        }
        // Conversations 1…40, each for visitor (id × 7) mod 5 + 1, so each visitor's ids interleave.
        for id in 1...40 {
            let visitor = VisitorID(UInt64(id * 7 % 5 + 1))
            events.append(.conversationOpened(Conversation(id: ConversationID(UInt64(id)), siteID: site, visitorID: visitor, createdAt: SampleData.t0)))
            if id.isMultiple(of: 3) { events.append(.conversationClosed(ConversationID(UInt64(id)), at: SampleData.t0)) }
        }
        func expectIndexed(_ state: ParleyState, _ note: String) {
            for index in 1...5 {
                let visitor = VisitorID(UInt64(index))
                let scanned = state.conversations.values.filter { $0.conversation.visitorID == visitor }.map(\.conversation.id).sorted()
                #expect(state.conversationsByVisitor[visitor] == (scanned.isEmpty ? nil : scanned), "\(note), visitor \(index)")
            }
            #expect(Array(state.conversationsBySite[site] ?? []) == state.conversations.keys.sorted(), "\(note)")
            let open = state.conversations.values.filter { $0.conversation.closedAt == nil }.map(\.conversation.id).sorted()
            #expect(state.openConversationsBySite[site]?.sorted() == open, "\(note): the open ones")
            for (id, expected) in [(site, (1...5).map { VisitorID(UInt64($0)) }), (other.id, (6...8).map { VisitorID(UInt64($0)) })] {
                let scanned = state.visitors.values.filter { $0.siteID == id }.map(\.id).sorted()
                #expect(scanned == expected && state.visitorsBySite[id]?.sorted() == scanned, "\(note): the visitors of site \(id)")
            }
        }
        var state = try applied(events)
        #expect(state.conversationsByVisitor[VisitorID(1)]?.count == 8)
        expectIndexed(state, "live")
        expectIndexed(try StateCodec.encode(state).withUnsafeBytes { try StateCodec.decode($0) }, "restored")
        try state.apply(.visitorErased(VisitorID(3), by: nil, at: SampleData.t0), lsn: state.appliedLSN + 1)
        expectIndexed(state, "after an erasure")
        #expect(state.conversationsByVisitor[VisitorID(3)].map { $0.allSatisfy { state.conversations[$0]?.conversation.closedAt != nil } } == true)
    }

    @Test func replayingTheSameRecordsChangesNothing() throws {
        var state = try applied(SampleData.everyEvent)
        let before = StateCodec.encode(state)
        for (index, event) in SampleData.everyEvent.enumerated() {
            #expect(try state.apply(event, lsn: UInt64(index + 1)) == false)
        }
        #expect(StateCodec.encode(state) == before)
    }

    @Test func aSeqGapIsRejected() throws {
        var state = try applied(Array(SampleData.everyEvent.prefix(6)))
        #expect(throws: StateError.self) { try state.apply(.messageAppended(SampleData.message(seq: 3)), lsn: 50) }
        #expect(state.appliedLSN == 50)
        #expect(state.conversations[SampleData.conversation.id]?.lastSeq == 0)
    }

    @Test func unknownReferencesAreRejected() {
        var state = ParleyState()
        #expect(throws: StateError.self) { try state.apply(.agentCreated(SampleData.agent), lsn: 1) }
        #expect(throws: StateError.self) { try state.apply(.messageAppended(SampleData.message(seq: 1)), lsn: 2) }
        // The refused message left no conversation behind (it is applied in the dictionary's place).
        #expect(state.conversations.isEmpty)
    }

    @Test func readCursorsOnlyMoveForwardAndUnreadCountsFollow() throws {
        var events = Array(SampleData.everyEvent.prefix(6))
        for seq in 1...5 { events.append(.messageAppended(SampleData.message(seq: UInt64(seq)))) }
        var state = try applied(events)
        let agent = Participant.agent(SampleData.agent.id)
        // Visitor wrote seq 1, 3, 5; the agent has read nothing yet.
        #expect(state.conversations[SampleData.conversation.id]?.unreadCount(for: agent, cold: NoColdHistory()) == 3)
        try state.apply(.readCursorMoved(SampleData.conversation.id, agent, seq: 3, at: SampleData.t0), lsn: 100)
        #expect(state.conversations[SampleData.conversation.id]?.unreadCount(for: agent, cold: NoColdHistory()) == 1)
        try state.apply(.readCursorMoved(SampleData.conversation.id, agent, seq: 1, at: SampleData.t0), lsn: 101)
        #expect(state.conversations[SampleData.conversation.id]?.readCursors[agent]?.seq == 3)
        try state.apply(.readCursorMoved(SampleData.conversation.id, agent, seq: 99, at: SampleData.t0), lsn: 102)
        #expect(state.conversations[SampleData.conversation.id]?.readCursors[agent]?.seq == 5)
    }

    @Test func stateCodecRoundTrips() throws {
        var events = SampleData.everyEvent
        events.insert(.readCursorMoved(SampleData.conversation.id, .visitor(SampleData.visitor.id), seq: 1, at: SampleData.t0), at: 9)
        let state = try applied(events)
        let bytes = StateCodec.encode(state)
        let decoded = try bytes.withUnsafeBytes { try StateCodec.decode($0) }
        #expect(StateCodec.encode(decoded) == bytes)
        #expect(decoded.counts == state.counts)
        #expect(decoded.conversations == state.conversations)
        #expect(decoded.agents == state.agents)
        #expect(decoded.watermarks == state.watermarks)
        #expect(decoded.agentsByLogin == state.agentsByLogin)
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: CodecError.self) { try Array(bytes.prefix(length)).withUnsafeBytes { try StateCodec.decode($0) } }
        }
    }

    @Test func messagesAreFoundByIdAndSeq() throws {
        var events = Array(SampleData.everyEvent.prefix(6))
        for seq in 1...9 { events.append(.messageAppended(SampleData.message(seq: UInt64(seq), id: UInt64(seq * 10)))) }
        let log = try #require(try applied(events).conversations[SampleData.conversation.id])
        #expect(log.message(id: MessageID(70))?.seq == 7)
        #expect(log.message(id: MessageID(71)) == nil)
        #expect(log.message(seq: 9)?.id == MessageID(90))
        #expect(log.message(seq: 0) == nil)
    }
}

@Suite struct TimestampTests {
    @Test func formatsRFC3339WithMilliseconds() {
        #expect(Timestamp(milliseconds: 1_705_761_000_000).rfc3339 == "2024-01-20T14:30:00.000Z")
        #expect(Timestamp(milliseconds: 1_705_761_000_042).rfc3339 == "2024-01-20T14:30:00.042Z")
        #expect(Timestamp(milliseconds: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
    }

    /// The fixed 24-byte form holds from year 0 to year 9999; outside it the form is longer.
    @Test func fourDigitYearsHaveTheFixedForm() {
        let first = Timestamp(milliseconds: -62_167_219_200_000)
        let last = Timestamp(milliseconds: 253_402_300_799_999)
        #expect(first.hasFourDigitYear && last.hasFourDigitYear)
        #expect(first.rfc3339 == "0000-01-01T00:00:00.000Z")
        #expect(last.rfc3339 == "9999-12-31T23:59:59.999Z")
        #expect(!Timestamp(milliseconds: first.milliseconds - 1).hasFourDigitYear)
        #expect(!Timestamp(milliseconds: last.milliseconds + 1).hasFourDigitYear)
        #expect(Timestamp(milliseconds: last.milliseconds + 1).rfc3339 == "10000-01-01T00:00:00.000Z")
        var bytes = [UInt8](repeating: 0, count: Timestamp.rfc3339ByteCount)
        #expect(bytes.withUnsafeMutableBytes { Timestamp(milliseconds: 1_705_761_000_042).writeRFC3339(into: $0.baseAddress!) })
        #expect(String(decoding: bytes, as: UTF8.self) == "2024-01-20T14:30:00.042Z")
        #expect(!bytes.withUnsafeMutableBytes { Timestamp(milliseconds: last.milliseconds + 1).writeRFC3339(into: $0.baseAddress!) })
    }

    @Test func parsesRFC3339() {
        #expect(Timestamp(rfc3339: "2024-01-20T14:30:00Z")?.milliseconds == 1_705_761_000_000)
        #expect(Timestamp(rfc3339: "2024-01-20T14:30:00.5Z")?.milliseconds == 1_705_761_000_500)
        #expect(Timestamp(rfc3339: "2024-01-20T16:30:00.000+02:00")?.milliseconds == 1_705_761_000_000)
        #expect(Timestamp(rfc3339: "2024-01-20 14:30") == nil)
        #expect(Timestamp(rfc3339: "2024-13-20T14:30:00Z") == nil)
        #expect(Timestamp(rfc3339: "") == nil)
    }
}
