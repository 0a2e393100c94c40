@testable import ParleyRealtime
import Testing

/// The fast client-frame reader (issue 18) answers what `JSONDecoder` answers, or leaves the frame
/// to it.
@Suite struct ClientFrameScannerTests {
    @Test(arguments: [
        #"{"type":"message","conversation_id":"c_1","content":"hello","client_message_id":"k-1"}"#,
        #" { "type" : "typing_start" , "conversation_id" : "c_2" } "#,
        "{\"type\":\"read\",\n\t\"message_id\":\"m_9\",\r\n\"conversation_id\":null}",
        #"{"content":"héllo 👋 wörld","type":"message","unknown":"ignored","message":"also"}"#,
        #"{"type":"ping","positions":null,"channels":null,"name":"Vera","token":"Bearer x"}"#,
        #"{"type":""}"#,
    ])
    func flatFramesAreReadLikeJSONDecoderReadsThem(_ text: String) throws {
        guard case .frame(let fast) = ClientFrameScanner.scan(text) else {
            Issue.record("the scanner left \(text) to JSONDecoder")
            return
        }
        #expect(fast == ClientFrame.decodeWithFoundation(text))
        #expect(ClientFrame.decode(text) == fast)
    }

    @Test(arguments: [
        #"{"type":"message","content":"a \"quoted\" word"}"#,  // escapes
        #"{"type":"message","content":"line\nbreak"}"#,
        #"{"type":"resume","positions":{"c_1":3}}"#,  // nested values
        #"{"type":"subscribe","channels":["messages"]}"#,
        #"{"type":"message","extra":1}"#,  // a number, even unknown
        #"{"type":"message","extra":true}"#,
        #"{"type":"message","type":"ping"}"#,  // a repeated key
        #"{"type":null}"#,
        #"{"content":"no type"}"#,
        #"{}"#,
        #"{"type":"ping"} trailing"#,
        #"{"type":"ping",}"#,
        #"["type","ping"]"#,
        "{\"type\":\"ping\u{01}\"}",  // a control character
        #"{"type":"ping""#,
        "",
    ])
    func anythingElseIsLeftToJSONDecoder(_ text: String) {
        #expect(ClientFrameScanner.scan(text) == .unsure)
        // And the frame still decodes exactly as before.
        #expect(ClientFrame.decode(text) == ClientFrame.decodeWithFoundation(text))
    }
}
