@testable import ParleyModel
import ParleyTestSupport
import Testing

@Suite struct EventCodecTests {
    @Test func everyEventTypeIsCovered() {
        let covered = Set(SampleData.latestEvents.map(\.recordType))
        #expect(covered == Set(EventType.allCases))
    }

    @Test(arguments: SampleData.latestEvents)
    func roundTrip(_ event: Event) throws {
        let (type, payload) = EventCodec.encode(event)
        #expect(type == event.recordType.rawValue)
        #expect(payload.first == EventCodec.currentVersion)
        #expect(try EventCodec.decode(type: type, payload: payload) == event)
    }

    /// A message's record fits the room its encoder reserves (its buffer never grows on the way).
    @Test func aMessageRecordFitsItsReservation() {
        for length in [0, 1, 110, 200, 4096, 70_000] {
            for (client, metadata) in [(nil, nil), ("c-\(length)", "{\"plan\":\"pro\",\"n\":\(length)}")] as [(String?, String?)] {
                let message = Message(
                    id: MessageID(UInt64.max), conversationID: ConversationID(UInt64.max), seq: UInt64.max,
                    sender: .agent(AgentID(UInt64.max)), content: String(repeating: "é", count: length / 2), clientMessageID: client,
                    createdAt: Timestamp(milliseconds: .max), metadataJSON: metadata)
                let event = Event.messageAppended(message)
                #expect(EventCodec.encode(event).payload.count <= EventCodec.capacity(for: event), "content of \(length / 2) é")
            }
        }
    }

    @Test func unknownRecordTypeIsRefused() {
        let (_, payload) = EventCodec.encode(SampleData.everyEvent[0])
        #expect(throws: CodecError.unknownRecordType(200)) { try EventCodec.decode(type: 200, payload: payload) }
    }

    /// libFuzzer (Fuzz/EventCodecFuzzer): a version-3 conversation record naming visitor 0
    /// decoded, but the same conversation written in the current version did not.
    @Test func anOldSupportConversationWithoutAVisitorIsRefused() {
        let payload: [UInt8] = [0x03, 0x0b, 0x0b, 0x00, 0x00, 0x00, 0xc9, 0x00, 0x00, 0x00]
        #expect(throws: CodecError.self) { try EventCodec.decode(type: 6, payload: payload) }
    }

    @Test func newerCodecVersionIsRefused() {
        var (type, payload) = EventCodec.encode(SampleData.everyEvent[0])
        payload[0] = EventCodec.currentVersion + 1
        #expect(throws: CodecError.unsupportedVersion(found: EventCodec.currentVersion + 1, supported: EventCodec.currentVersion)) {
            try EventCodec.decode(type: type, payload: payload)
        }
        type = 0
        #expect(throws: CodecError.self) { try EventCodec.decode(type: type, payload: payload) }
    }

    @Test(arguments: SampleData.latestEvents)
    func everyTruncationThrowsCleanly(_ event: Event) {
        let (type, payload) = EventCodec.encode(event)
        for length in 0..<payload.count {
            #expect(throws: CodecError.self) { try EventCodec.decode(type: type, payload: Array(payload.prefix(length))) }
        }
    }

    @Test func trailingBytesAreRefused() {
        let (type, payload) = EventCodec.encode(SampleData.everyEvent[1])
        #expect(throws: CodecError.self) { try EventCodec.decode(type: type, payload: payload + [0]) }
    }

    @Test func invalidUTF8IsRefused() {
        var writer = BinaryWriter()
        writer.write(UInt64(2))
        writer.write(UInt8(0xff))
        writer.write(UInt8(0xfe))
        let bytes = writer.bytes
        bytes.withUnsafeBytes { raw in
            var reader = BinaryReader(raw)
            #expect(throws: CodecError.self) { try reader.readString() }
        }
    }

    @Test func varintsRoundTripAtTheEdges() throws {
        let values: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, UInt64(UInt32.max), .max]
        let signed: [Int64] = [0, -1, 1, .min, .max, -1_705_761_000_000]
        var writer = BinaryWriter()
        for value in values { writer.write(value) }
        for value in signed { writer.write(value) }
        let bytes = writer.bytes
        try bytes.withUnsafeBytes { raw in
            var reader = BinaryReader(raw)
            var unsignedRead: [UInt64] = []
            var signedRead: [Int64] = []
            for _ in values { unsignedRead.append(try reader.readUInt64()) }
            for _ in signed { signedRead.append(try reader.readInt64()) }
            let atEnd = reader.isAtEnd
            #expect(unsignedRead == values)
            #expect(signedRead == signed)
            #expect(atEnd)
        }
    }

    @Test func overlongVarintIsRefused() {
        let bytes = [UInt8](repeating: 0xff, count: 11)
        bytes.withUnsafeBytes { raw in
            var reader = BinaryReader(raw)
            #expect(throws: CodecError.self) { try reader.readUInt64() }
        }
    }
}
