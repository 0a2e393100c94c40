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
