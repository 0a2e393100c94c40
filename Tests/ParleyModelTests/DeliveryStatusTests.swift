import ParleyModel
import ParleyTestSupport
import Testing

@Suite struct DeliveryStatusTests {
    @Test func statusFollowsTheOtherSidesCursors() throws {
        var state = ParleyState()
        for (index, event) in SampleData.version1Events.prefix(6).enumerated() { try state.apply(event, lsn: UInt64(index + 1)) }
        let visitorMessage = SampleData.message(seq: 1)  // odd seq: from the visitor
        let agentMessage = SampleData.message(seq: 2)
        try state.apply(.messageAppended(visitorMessage), lsn: 7)
        try state.apply(.messageAppended(agentMessage), lsn: 8)
        var log = try #require(state.conversations[SampleData.conversation.id])
        #expect(DeliveryStatus(of: visitorMessage, in: log, delivered: DeliveredThrough()) == .sent)
        // Delivery to the writer's own side does not count.
        #expect(DeliveryStatus(of: visitorMessage, in: log, delivered: DeliveredThrough(visitor: 2)) == .sent)
        #expect(DeliveryStatus(of: visitorMessage, in: log, delivered: DeliveredThrough(staff: 1)) == .delivered)
        #expect(DeliveryStatus(of: agentMessage, in: log, delivered: DeliveredThrough(staff: 2)) == .sent)
        try state.apply(.readCursorMoved(SampleData.conversation.id, .visitor(SampleData.visitor.id), seq: 2, at: SampleData.t0), lsn: 9)
        log = try #require(state.conversations[SampleData.conversation.id])
        #expect(DeliveryStatus(of: agentMessage, in: log, delivered: DeliveredThrough()) == .read)
        #expect(DeliveryStatus(of: visitorMessage, in: log, delivered: DeliveredThrough()) == .sent)
    }
}

@Suite struct OmniIDTests {
    @Test func theContractExamplesRoundTrip() {
        #expect(OmniID.format(ConversationID(456)) == "00000004-0000-4000-8000-0000000001c8")
        #expect(OmniID.format(SiteID(1)) == "00000001-0000-4000-8000-000000000001")
        #expect(OmniID.parse("00000004-0000-4000-8000-0000000001C8", as: ConversationID.self) == ConversationID(456))
        #expect(OmniID.parse("00000005-0000-4000-8000-0000000001c8", as: ConversationID.self) == nil)
        // Zero is well formed (it names nothing: a 404 at the edge, not a 400).
        #expect(OmniID.parse("00000004-0000-4000-8000-000000000000", as: ConversationID.self) == ConversationID(0))
        #expect(OmniID.parse("00000004-0000-4000-8000-00000000001g", as: ConversationID.self) == nil)
        #expect(OmniID.parse("conv_456", as: ConversationID.self) == nil)
    }

    /// The byte-level writer and reader agree with the form's definition at its edges.
    @Test func edgesOfTheForm() {
        // A kind number past 9 is a hex letter, read in either case.
        #expect(OmniID.format(Identifier<ChannelKind>(255)) == "0000000a-0000-4000-8000-0000000000ff")
        #expect(OmniID.parse("0000000A-0000-4000-8000-0000000000FF", as: Identifier<ChannelKind>.self) == Identifier<ChannelKind>(255))
        #expect(OmniID.parse(Substring("x0000000a-0000-4000-8000-0000000000ffx").dropFirst().dropLast(), as: Identifier<ChannelKind>.self) == Identifier<ChannelKind>(255))
        // The largest integer of 12 digits, and one past it: the form grows and is not read back.
        #expect(OmniID.format(MessageID(0xFFFF_FFFF_FFFF)) == "00000005-0000-4000-8000-ffffffffffff")
        #expect(OmniID.parse("00000005-0000-4000-8000-ffffffffffff", as: MessageID.self) == MessageID(0xFFFF_FFFF_FFFF))
        #expect(OmniID.format(MessageID(UInt64.max)) == "00000005-0000-4000-8000-ffffffffffffffff")
        #expect(OmniID.parse("00000005-0000-4000-8000-ffffffffffffffff", as: MessageID.self) == nil)
        #expect(OmniID.byteCount(0) == 36 && OmniID.byteCount(1 << 48) == 37 && OmniID.byteCount(UInt64.max) == 40)
        for malformed in [
            "", "00000004-0000-4000-8000-0000000001c", "00000004-0000-4000-8000-0000000001c80", " 0000004-0000-4000-8000-0000000001c8",
            "00000004-0000-4000-8000-0000000001c ", "00000004_0000-4000-8000-0000000001c8", "00000004-0000-5000-8000-0000000001c8",
            "00000004-0000-4000-9000-0000000001c8", "00000004-0000-4000-8000-00000000+1c8", "0000000é-0000-4000-8000-0000000001c",
            "00000004-0000-4000-8000-00000000\u{212A}c8",
        ] {
            #expect(OmniID.parse(malformed, as: ConversationID.self) == nil, "\(malformed)")
        }
    }
}

@Suite struct NativeIDTests {
    @Test func canonicalFormsParseAndOthersDoNot() {
        #expect(NativeID.parse("conv_456", as: ConversationID.self) == ConversationID(456))
        #expect(NativeID.parse("conv_0", as: ConversationID.self) == ConversationID(0))
        #expect(NativeID.parse("conv_18446744073709551615", as: ConversationID.self) == ConversationID(UInt64.max))
        for malformed in ["conv_", "conv_00", "conv_01", "conv_+1", "conv_-1", "conv_1a", "conv_ 1", "conv_18446744073709551616", "msg_1", "conv1", "CONV_1", ""] {
            #expect(NativeID.parse(malformed, as: ConversationID.self) == nil, "\(malformed)")
        }
    }
}
