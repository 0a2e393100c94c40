import ParleyModel
import ParleyStorage
import Testing

/// A record as a cluster node sends it (zeros where the `append` script decides), decoded on
/// another node with the script's fill applied (docs/SCALING.md).
@Suite struct ClusterFillTests {
    private func roundTrip(_ event: Event, seq: UInt64, id: UInt64) throws -> Event {
        let (type, payload) = EventCodec.encode(event)
        return try EventCodec.decodeRecord(type: type, payload: payload).event.filling(seq: seq, id: id)
    }

    @Test func aMessageGetsItsSeqAndId() throws {
        let sent = Message(
            id: MessageID(0), conversationID: ConversationID(4), seq: 0, sender: .visitor(VisitorID(2)), content: "Hi",
            clientMessageID: "c-1", createdAt: Timestamp(milliseconds: 1_700_000_000_000))
        var expected = sent
        expected.seq = 17
        expected.id = MessageID(1042)
        #expect(try roundTrip(.messageAppended(sent), seq: 17, id: 1042) == .messageAppended(expected))
    }

    @Test func anOpeningGetsItsConversationId() throws {
        let opened = Conversation(id: ConversationID(0), siteID: SiteID(1), visitorID: VisitorID(2), createdAt: Timestamp(milliseconds: 5))
        var expected = opened
        expected.id = ConversationID(9)
        #expect(try roundTrip(.conversationOpened(opened), seq: 0, id: 9) == .conversationOpened(expected))
    }

    @Test func zerosAndOtherEventsAreLeftAsTheyAre() throws {
        let message = Message(
            id: MessageID(5), conversationID: ConversationID(4), seq: 3, sender: .visitor(VisitorID(2)), content: "x",
            createdAt: Timestamp(milliseconds: 1))
        #expect(try roundTrip(.messageAppended(message), seq: 0, id: 0) == .messageAppended(message))
        let closed = Event.conversationClosed(ConversationID(4), at: Timestamp(milliseconds: 2))
        #expect(try roundTrip(closed, seq: 8, id: 9) == closed)
    }
}
