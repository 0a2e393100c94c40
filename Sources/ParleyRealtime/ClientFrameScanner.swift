/// The common client frames read without Foundation's `JSONDecoder` (issue 18: it was 6–7 % of
/// the durable path's CPU): one pass over the UTF-8 bytes of a flat JSON object whose values are
/// strings without escapes or `null`, the shape of nearly every `message`, `typing`, `read` and
/// `ping` frame.
///
/// It answers only what it is sure of. Anything else — an escape in a string, a number, `true`,
/// an array or object value (`resume`'s positions, `subscribe`'s channels), a repeated key,
/// a control character, trailing bytes — is ``Outcome/unsure``, and the caller decodes the frame
/// with `JSONDecoder` as before, so the two always agree (the ClientFramesFuzzer checks it).
enum ClientFrameScanner {
    enum Outcome: Equatable {
        case frame(ClientFrame)
        case unsure
    }

    static func scan(_ text: String) -> Outcome {
        var text = text
        return text.withUTF8 { scan(bytes: $0) }
    }

    static func scan(bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        var reader = Reader(bytes: bytes)
        var frame = ClientFrame(type: "")
        var seen: Set<Field> = []
        reader.skipSpace()
        guard reader.take(UInt8(ascii: "{")) else { return .unsure }
        reader.skipSpace()
        if reader.take(UInt8(ascii: "}")) { return .unsure }  // no `type`: JSONDecoder says why
        while true {
            guard let key = reader.string() else { return .unsure }
            reader.skipSpace()
            guard reader.take(UInt8(ascii: ":")) else { return .unsure }
            reader.skipSpace()
            let value: Substring?
            if reader.takeNull() {
                value = nil
            } else if let string = reader.string() {
                value = string
            } else {
                return .unsure
            }
            if let field = Field(rawValue: String(key)) {
                guard seen.insert(field).inserted else { return .unsure }
                switch field {
                case .type:
                    guard let value else { return .unsure }
                    frame.type = String(value)
                case .conversationID: frame.conversation_id = value.map(String.init)
                case .content: frame.content = value.map(String.init)
                case .message: frame.message = value.map(String.init)
                case .clientMessageID: frame.client_message_id = value.map(String.init)
                case .messageID: frame.message_id = value.map(String.init)
                case .token: frame.token = value.map(String.init)
                case .name: frame.name = value.map(String.init)
                case .positions, .channels: if value != nil { return .unsure }
                }
            }
            reader.skipSpace()
            if reader.take(UInt8(ascii: ",")) {
                reader.skipSpace()
                continue
            }
            guard reader.take(UInt8(ascii: "}")) else { return .unsure }
            break
        }
        reader.skipSpace()
        guard reader.atEnd, seen.contains(.type) else { return .unsure }
        return .frame(frame)
    }

    private enum Field: String {
        case type
        case conversationID = "conversation_id"
        case content
        case message
        case clientMessageID = "client_message_id"
        case messageID = "message_id"
        case positions
        case token
        case channels
        case name
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func takeNull() -> Bool {
            guard bytes.count - index >= 4, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
                bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
            else { return false }
            index += 4
            return true
        }

        /// A string without escapes or control characters (else nil: not sure).
        mutating func string() -> Substring? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let value = Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return value
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }
    }
}
