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
        // Keys seen so far, one bit per field: no set, no hashing.
        var seen: UInt16 = 0
        reader.skipSpace()
        guard reader.take(UInt8(ascii: "{")) else { return .unsure }
        reader.skipSpace()
        if reader.take(UInt8(ascii: "}")) { return .unsure }  // no `type`: JSONDecoder says why
        while true {
            guard let key = reader.string() else { return .unsure }
            reader.skipSpace()
            guard reader.take(UInt8(ascii: ":")) else { return .unsure }
            reader.skipSpace()
            let value: Range<Int>?
            if reader.takeNull() {
                value = nil
            } else if let string = reader.string() {
                value = string
            } else {
                return .unsure
            }
            // Keys are compared as bytes; only the values kept become strings.
            if let field = Field(UnsafeBufferPointer(rebasing: bytes[key])) {
                let bit = UInt16(1) << field.rawValue
                guard seen & bit == 0 else { return .unsure }
                seen |= bit
                let text = value.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
                switch field {
                case .type:
                    guard let text else { return .unsure }
                    frame.type = text
                case .conversationID: frame.conversation_id = text
                case .content: frame.content = text
                case .message: frame.message = text
                case .clientMessageID: frame.client_message_id = text
                case .messageID: frame.message_id = text
                case .token: frame.token = text
                case .name: frame.name = text
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
        guard reader.atEnd, seen & (UInt16(1) << Field.type.rawValue) != 0 else { return .unsure }
        return .frame(frame)
    }

    private enum Field: UInt16, CaseIterable {
        case type, conversationID, content, message, clientMessageID, messageID, positions, token, channels, name

        var key: StaticString {
            switch self {
            case .type: "type"
            case .conversationID: "conversation_id"
            case .content: "content"
            case .message: "message"
            case .clientMessageID: "client_message_id"
            case .messageID: "message_id"
            case .positions: "positions"
            case .token: "token"
            case .channels: "channels"
            case .name: "name"
            }
        }

        /// The field whose key is exactly `bytes` (unescaped, as JSON gives it), if any.
        init?(_ bytes: UnsafeBufferPointer<UInt8>) {
            for field in Self.allCases {
                let key = field.key
                if key.utf8CodeUnitCount == bytes.count
                    && UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount).elementsEqual(bytes)
                {
                    self = field
                    return
                }
            }
            return nil
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
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

        /// Where the bytes of a string without escapes or control characters lie (else nil:
        /// not sure).
        mutating func string() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let value = start..<index
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
