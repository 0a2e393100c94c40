import NIOCore
import NIOWebSocket
import Testing

@testable import ParleyRealtime

/// RFC 6455 decisions of one server connection, without sockets (the same rules are checked
/// over real sockets in ProtocolViolationTests and KeepaliveTests).
@Suite struct WebSocketProtocolStateTests {
    func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, rsv1: Bool = false) -> WebSocketFrame {
        WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, data: ByteBuffer(bytes: bytes))
    }

    func frame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true) -> WebSocketFrame {
        frame(opcode, Array(text.utf8), fin: fin)
    }

    func check(
        _ state: inout WebSocketProtocolState, _ frame: WebSocketFrame, _ expected: WebSocketProtocolState.Action,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let action = state.received(frame)
        #expect(action == expected, sourceLocation: sourceLocation)
    }

    func keepalive(
        _ state: inout WebSocketProtocolState, _ payload: UInt64, _ expected: WebSocketProtocolState.Keepalive,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let action = state.keepaliveDue(payload: payload)
        #expect(action == expected, sourceLocation: sourceLocation)
    }

    func close(_ code: UInt16?, reason: [UInt8] = []) -> WebSocketFrame {
        var bytes: [UInt8] = code.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } ?? []
        bytes += reason
        return frame(.connectionClose, bytes)
    }

    @Test func wholeTextFramesAreMessagesAndMustBeUTF8() {
        var state = WebSocketProtocolState(maxMessageBytes: 64)
        check(&state, frame(.text, "héllo"), .text("héllo"))
        check(&state, frame(.binary, [1, 2]), .binary)
        check(&state, frame(.text, [0x7B, 0xC3, 0x28, 0x7D]), .closeAndDrop(.dataInconsistentWithMessage))
        #expect(state.phase == .closed)
        check(&state, frame(.text, "late"), .none)
    }

    @Test func fragmentsJoinAroundControlFramesWithinTheLimit() {
        var state = WebSocketProtocolState(maxMessageBytes: 10)
        check(&state, frame(.text, "{\"a\":", fin: false), .none)
        check(&state, frame(.ping, "p"), .pong(ByteBuffer(string: "p")))
        // A UTF-8 sequence may be split between fragments: only the whole message is checked.
        check(&state, frame(.continuation, [0x22, 0xC3], fin: false), .none)
        check(&state, frame(.continuation, [0xA9, 0x22, 0x7D]), .text("{\"a\":\"é\"}"))
        check(&state, frame(.text, "12345", fin: false), .none)
        check(&state, frame(.continuation, "678901"), .closeAndDrop(.messageTooLarge))
    }

    @Test(arguments: [
        ("continuation without a start", [WebSocketFrame(fin: true, opcode: .continuation, data: ByteBuffer(string: "x"))]),
        (
            "a new message inside a fragmented one",
            [
                WebSocketFrame(fin: false, opcode: .text, data: ByteBuffer(string: "a")),
                WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "b")),
            ]
        ),
        ("reserved opcode", [WebSocketFrame(fin: true, opcode: WebSocketOpcode(encodedWebSocketOpcode: 0x3)!, data: ByteBuffer())]),
        ("reserved bits", [WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: ByteBuffer(string: "x"))]),
    ])
    func violationsFailWith1002(_ name: String, _ frames: [WebSocketFrame]) {
        var state = WebSocketProtocolState(maxMessageBytes: 64)
        let actions = frames.map { state.received($0) }
        #expect(actions.last == .closeAndDrop(.protocolError), "\(name)")
        #expect(state.phase == .closed)
    }

    /// RFC 6455 §5.1: a server fails a connection whose client sent an unmasked frame (1002); a
    /// masked one is read as usual. The requirement is the server's (the default leaves it off).
    @Test func aServerRefusesUnmaskedFrames() {
        var server = WebSocketProtocolState(maxMessageBytes: 64, requiresMaskedFrames: true)
        let masked = WebSocketFrame(fin: true, opcode: .text, maskKey: [1, 2, 3, 4], data: masking("hi", with: [1, 2, 3, 4]))
        #expect(server.received(masked) == .text("hi"))
        #expect(server.received(frame(.text, Array("hi".utf8))) == .closeAndDrop(.protocolError))
        #expect(server.phase == .closed)
        var unchecked = WebSocketProtocolState(maxMessageBytes: 64)
        #expect(unchecked.received(frame(.text, Array("hi".utf8))) == .text("hi"))
    }

    /// What NIO's frame decoder refuses before it is a frame: over the limit 1009, a bad control
    /// frame 1002; once closing, the connection is only dropped.
    @Test func theDecodersErrorsCloseWithTheirCodes() {
        var tooLong = WebSocketProtocolState(maxMessageBytes: 64)
        #expect(tooLong.decoderFailed(.invalidFrameLength) == .closeAndDrop(.messageTooLarge))
        #expect(tooLong.phase == .closed)
        var fragmented = WebSocketProtocolState(maxMessageBytes: 64)
        #expect(fragmented.decoderFailed(.fragmentedControlFrame) == .closeAndDrop(.protocolError))
        var long = WebSocketProtocolState(maxMessageBytes: 64)
        #expect(long.decoderFailed(.multiByteControlFrameLength) == .closeAndDrop(.protocolError))
        var closing = WebSocketProtocolState(maxMessageBytes: 64)
        _ = closing.beginClose()
        #expect(closing.decoderFailed(.invalidFrameLength) == .drop)
        #expect(closing.phase == .closed)
    }

    /// `text` masked with `key` as a client sends it.
    func masking(_ text: String, with key: WebSocketMaskingKey) -> ByteBuffer {
        var buffer = ByteBuffer(string: text)
        buffer.webSocketMask(key)
        return buffer
    }

    @Test func aPeersCloseIsAnsweredWithItsCodeWhenValid() {
        let cases: [(WebSocketFrame, WebSocketErrorCode)] = [
            (close(nil), .normalClosure),
            (close(1000), .normalClosure),
            (close(1001, reason: Array("bye".utf8)), .goingAway),
            (close(4321), .unknown(4321)),
            (close(1005), .protocolError),  // reserved: never on the wire
            (close(2999), .protocolError),
            (close(1000, reason: [0xC3, 0x28]), .protocolError),
            (frame(.connectionClose, [0x03]), .protocolError),  // one byte is no code
        ]
        for (frame, expected) in cases {
            var state = WebSocketProtocolState(maxMessageBytes: 64)
            check(&state, frame, .closeAndDrop(expected))
            #expect(state.phase == .closed)
        }
    }

    @Test func aServerCloseWaitsForThePeersAndIgnoresTheRest() {
        var state = WebSocketProtocolState(maxMessageBytes: 64)
        let first = state.beginClose()
        let second = state.beginClose()
        #expect(first && !second)
        #expect(state.phase == .closing)
        check(&state, frame(.text, "still talking"), .none)
        check(&state, frame(.ping, "p"), .none)
        check(&state, close(1000), .drop)
        #expect(state.phase == .closed)
        keepalive(&state, 1, .stop)
    }

    @Test func keepaliveGivesUpOnAPeerThatLeavesAPingUnanswered() {
        var state = WebSocketProtocolState(maxMessageBytes: 64)
        keepalive(&state, 7, .ping(7))
        var wrong = ByteBuffer()
        wrong.writeInteger(UInt64(8))
        check(&state, WebSocketFrame(fin: true, opcode: .pong, data: wrong), .none)
        var right = ByteBuffer()
        right.writeInteger(UInt64(7))
        check(&state, WebSocketFrame(fin: true, opcode: .pong, data: right), .none)
        keepalive(&state, 9, .ping(9))
        // No pong for 9 (an unsolicited one does not count): gone after one more period.
        check(&state, WebSocketFrame(fin: true, opcode: .pong, data: wrong), .none)
        keepalive(&state, 10, .closeAndDrop(.goingAway))
        #expect(state.phase == .closed)
    }
}
