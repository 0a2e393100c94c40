import FuzzSupport
import ParleyModel
@testable import ParleyRealtime

fuzzMain { fuzz($0, $1) }

/// libFuzzer's objects refer to this symbol; it is the same test.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzz(data, size) }

/// The WebSocket client frames of both dialects, as a session reads them: the frame as JSON
/// (`ClientFrame.decode`), then every id it names parsed in the native and the omni form
/// (conversation ids, message ids, `resume` positions). Nothing may trap; an id that parses
/// formats back to the same text in its dialect (omni UUIDs are read in either case, CONTRACT
/// §2, and written in lower case). The fast scanner answers exactly what `JSONDecoder` does
/// whenever it answers at all.
func fuzz(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if case .frame(let fast) = ClientFrameScanner.scan(text) {
        precondition(fast == ClientFrame.decodeWithFoundation(text), "the scanner and JSONDecoder disagree on \(text.debugDescription)")
    }
    guard let frame = ClientFrame.decode(text) else { return 0 }
    _ = frame.text
    for dialect in [WireDialect.native, .omni] {
        var conversationTexts = Array((frame.positions ?? [:]).keys)
        if let id = frame.conversation_id { conversationTexts.append(id) }
        for candidate in conversationTexts {
            if let id = dialect.parse(candidate, as: ConversationID.self) {
                precondition(canonical(dialect.format(id), candidate, dialect), "\(dialect) conversation id \(candidate) is not canonical")
            }
        }
        if let candidate = frame.message_id, let id = dialect.parse(candidate, as: MessageID.self) {
            precondition(canonical(dialect.format(id), candidate, dialect), "\(dialect) message id \(candidate) is not canonical")
        }
    }
    return 0
}

func canonical(_ formatted: String, _ parsed: String, _ dialect: WireDialect) -> Bool {
    dialect == .omni ? formatted == parsed.lowercased() : formatted == parsed
}
