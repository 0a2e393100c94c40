import Foundation
import NIOCore
import ParleyHTTP
import ParleyModel
import Testing

@testable import ParleyRealtime

/// The hand-written JSON of the hot frames says exactly what Foundation's `JSONEncoder` says
/// for the same frame structs: same keys, same values, nil optionals left out.
@Suite struct FrameJSONTests {
    static let contents = [
        "plain", "", "quote \" backslash \\ slash / end", "tab\tnew\nline\rreturn \u{01}\u{1F}", "é ü 中文 🙂 \u{2028}",
        String(repeating: "long ", count: 20_000),
    ]
    static let senders: [Sender] = [.visitor(VisitorID(3)), .agent(AgentID(4)), .bot(AgentID(5)), .system]

    func json(_ bytes: some Collection<UInt8>) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    func messages() -> [Message] {
        var result: [Message] = []
        for (index, content) in Self.contents.enumerated() {
            for sender in Self.senders {
                result.append(
                    Message(
                        id: MessageID(UInt64(index + 1)), conversationID: ConversationID(9), seq: UInt64(index * 1000 + 1),
                        sender: sender, content: content, clientMessageID: index.isMultiple(of: 2) ? nil : "c-\"\(index)\"",
                        createdAt: .now()))
            }
        }
        // Ids and seqs of every length.
        for (index, value) in [UInt64(9), 10, 1_234_567_890_123, UInt64.max].enumerated() {
            result.append(
                Message(
                    id: MessageID(value), conversationID: ConversationID(value), seq: value, sender: .agent(AgentID(value)),
                    content: "n\(index)", createdAt: .now()))
        }
        // Dates outside years 0…9999, whose form is longer than the 24 bytes written in place.
        for milliseconds in [Int64(253_402_300_800_000), -62_167_219_200_001] {
            result.append(
                Message(
                    id: MessageID(77), conversationID: ConversationID(9), seq: 77, sender: .visitor(VisitorID(3)),
                    content: "then", createdAt: Timestamp(milliseconds: milliseconds)))
        }
        // Attachments: the file's id on native, the file's UUID in omni's `attachments`.
        for (index, type) in [ContentType.file, .image].enumerated() {
            result.append(
                Message(
                    id: MessageID(UInt64(900 + index)), conversationID: ConversationID(9), seq: UInt64(900 + index),
                    sender: .visitor(VisitorID(3)), content: "receipt.png", contentType: type, fileID: UInt64(40 + index),
                    createdAt: .now()))
        }
        return result
    }

    /// The word-at-a-time scan of ``FrameBytes/escapedLength(_:)`` against the byte-by-byte
    /// definition: each byte value that is escaped, and its neighbours, at every position of
    /// strings up to 40 bytes, among ASCII and UTF-8 bytes.
    @Test func escapedLengthMatchesItsDefinitionAtEveryPosition() {
        func reference(_ bytes: [UInt8]) -> Int {
            bytes.reduce(0) { length, byte in
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x09: length + 2
                case 0..<0x20: length + 6
                default: length + 1
                }
            }
        }
        let probes: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xA2, 0xDC, 0xFF]
        let fillers: [UInt8] = [UInt8(ascii: "a"), 0xE4, 0x20]
        for filler in fillers {
            for length in 0...40 {
                let plain = [UInt8](repeating: filler, count: length)
                #expect(plain.withUnsafeBufferPointer { FrameBytes.escapedLength($0) } == reference(plain))
                for position in 0..<length {
                    for probe in probes {
                        var bytes = plain
                        bytes[position] = probe
                        #expect(bytes.withUnsafeBufferPointer { FrameBytes.escapedLength($0) } == reference(bytes))
                        if position + 9 < length {
                            bytes[position + 9] = UInt8(ascii: "\\")
                            #expect(bytes.withUnsafeBufferPointer { FrameBytes.escapedLength($0) } == reference(bytes))
                        }
                    }
                }
            }
        }
    }

    @Test func hotFramesMatchJSONEncoder() throws {
        let state = ParleyState()
        for message in messages() {
            let pairs: [(WireFrame, WireFrame)] = [
                (NativeFrames.message(message, state: state), FrameEncoder.encode(NativeFrames.messageFrame(message, state: state))),
                (NativeFrames.ack(message), FrameEncoder.encode(NativeFrames.ackFrame(message))),
                (OmniFrames.message(message), FrameEncoder.encode(OmniFrames.messageFrame(message))),
                (OmniFrames.ack(message), FrameEncoder.encode(OmniFrames.ackFrame(message))),
            ]
            for (fast, reference) in pairs {
                let fastJSON = try json(Array(buffer: fast.payload))
                #expect(fastJSON == (try json(Array(buffer: reference.payload))))
                // The header in front of the text is the one WireFrame(text:) would write.
                #expect(Array(buffer: fast.bytes) == Array(buffer: WireFrame(text: Array(buffer: fast.payload)).bytes))
            }
            if let file = message.fileID {
                let native = try json(Array(buffer: NativeFrames.message(message, state: state).payload))
                #expect((native["message"] as? NSDictionary)?["file_id"] as? String == "file_\(file)")
                let omni = try json(Array(buffer: OmniFrames.message(message).payload))
                let attachments = (omni["data"] as? NSDictionary)?["attachments"] as? [String]
                #expect(attachments == [OmniID.format(Identifier<FileKind>(file))])
            }
        }
    }

    /// A frame whose texts need no escaping fits the buffer its writer reserved: no growth (a
    /// copy of everything written) on the way.
    @Test func hotFramesFitTheirReservation() throws {
        let state = ParleyState()
        var checked = 0
        for message in messages() {
            let texts = [message.content, message.clientMessageID ?? ""]
            guard texts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") } }) else { continue }
            let sender = NativeWire.sender(message.sender, state: state)
            let pairs: [(WireFrame, Int)] = [
                (NativeFrames.message(message, sender: sender), NativeFrames.messageCapacity(message, sender: sender)),
                (NativeFrames.ack(message), NativeFrames.ackCapacity(message)),
                (OmniFrames.message(message), OmniFrames.messageCapacity(message)),
                (OmniFrames.ack(message), OmniFrames.ackCapacity(message)),
            ]
            for (frame, capacity) in pairs {
                // The header's room (10 bytes) and the guess, as the allocator rounds it.
                let reserved = ByteBufferAllocator().buffer(capacity: 10 + capacity).capacity
                #expect(frame.bytes.capacity == reserved, "\(String(buffer: frame.payload))")
            }
            checked += 1
        }
        #expect(checked > 10)
    }
}
