import NIOCore
import NIOWebSocket

/// RFC 6455 for one server connection, as decisions without I/O: fragments joined into messages
/// (at most `maxMessageBytes`), text checked for UTF-8, pings answered, the keepalive's pings
/// and their pongs, and the close handshake. ``WebSocketConnectionHandler`` carries out the
/// actions on the channel.
///
/// Close codes: a protocol violation (an unmasked frame from a client, RFC 6455 §5.1; reserved
/// bits or opcode, a continuation without a start, a new message inside a fragmented one, a
/// malformed close frame) 1002; text that is not UTF-8 1007; a message over the limit 1009; a
/// peer that left a ping unanswered for a whole period 1001. Frames over the limit and
/// fragmented or long control frames fail in NIO's frame decoder before they are frames; its
/// error comes here too (``decoderFailed(_:)``): 1009 and 1002.
struct WebSocketProtocolState {
    enum Phase: Equatable {
        /// Frames flow both ways.
        case open
        /// The server sent its close frame and waits for the peer's.
        case closing
        /// Nothing more is read or written but the final close of the connection.
        case closed
    }

    enum Action: Equatable {
        /// Nothing to do (a frame of a message still being assembled, a pong, a late frame).
        case none
        /// A whole text message, valid UTF-8.
        case text(String)
        /// A whole binary message (Parley accepts none; the session answers with an error).
        case binary
        /// Answer a ping with this payload.
        case pong(ByteBuffer)
        /// Send a close frame with this code, then drop the connection (the peer broke the
        /// protocol, or this answers the peer's close).
        case closeAndDrop(WebSocketErrorCode)
        /// Drop the connection: the close handshake is complete.
        case drop
    }

    private(set) var phase = Phase.open
    let maxMessageBytes: Int
    /// Frames must carry a mask key (a server's side of the connection: every client frame is
    /// masked); an unmasked one fails the connection with 1002.
    let requiresMaskedFrames: Bool
    /// The first frames of a fragmented message: its opcode and the bytes so far.
    private var fragments: (opcode: WebSocketOpcode, data: ByteBuffer)?
    /// The payload of the keepalive ping the peer has not answered yet.
    private var unansweredPing: UInt64?

    init(maxMessageBytes: Int, requiresMaskedFrames: Bool = false) {
        self.maxMessageBytes = maxMessageBytes
        self.requiresMaskedFrames = requiresMaskedFrames
    }

    /// What to do with a frame from the peer (already unmasked by the caller's decoder chain).
    mutating func received(_ frame: WebSocketFrame) -> Action {
        switch phase {
        case .closed: return .none
        case .closing:
            // Only the peer's close matters now: it completes the handshake.
            if frame.opcode == .connectionClose {
                phase = .closed
                return .drop
            }
            return .none
        case .open: break
        }
        guard frame.reservedBits.isEmpty, frame.maskKey != nil || !requiresMaskedFrames else { return fail(.protocolError) }
        switch frame.opcode {
        case .connectionClose: return receivedClose(FrameUnmasking.payload(of: frame))
        case .ping: return .pong(FrameUnmasking.payload(of: frame))
        case .pong:
            var data = FrameUnmasking.payload(of: frame)
            if let expected = unansweredPing, data.readableBytes == 8, data.readInteger(as: UInt64.self) == expected {
                unansweredPing = nil
            }
            return .none
        case .text, .binary:
            guard fragments == nil else { return fail(.protocolError) }
            if frame.fin { return message(frame.opcode, FrameUnmasking.payload(of: frame)) }
            guard frame.length <= maxMessageBytes else { return fail(.messageTooLarge) }
            fragments = (frame.opcode, FrameUnmasking.payload(of: frame))
            return .none
        case .continuation:
            guard let started = fragments else { return fail(.protocolError) }
            var data = started.data
            guard data.readableBytes + frame.length <= maxMessageBytes else { return fail(.messageTooLarge) }
            fragments = nil  // one owner of the buffer while it grows
            var more = FrameUnmasking.payload(of: frame)
            data.writeBuffer(&more)
            if frame.fin { return message(started.opcode, data) }
            fragments = (started.opcode, data)
            return .none
        default:
            return fail(.protocolError)
        }
    }

    private mutating func message(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> Action {
        guard opcode == .text else { return .binary }
        guard let text = String(validating: data.readableBytesView, as: UTF8.self) else {
            return fail(.dataInconsistentWithMessage)
        }
        return .text(text)
    }

    /// The peer's close: answered with its code when that is one a peer may send (1000–1003,
    /// 1007–1011, 3000–4999), with 1000 when it gave none, else 1002; then the connection drops.
    private mutating func receivedClose(_ payload: ByteBuffer) -> Action {
        phase = .closed
        var payload = payload
        guard payload.readableBytes > 0 else { return .closeAndDrop(.normalClosure) }
        guard let raw = payload.readInteger(as: UInt16.self) else { return .closeAndDrop(.protocolError) }
        guard Self.peerMaySend(raw), String(validating: payload.readableBytesView, as: UTF8.self) != nil else {
            return .closeAndDrop(.protocolError)
        }
        return .closeAndDrop(WebSocketErrorCode(codeNumber: Int(raw)))
    }

    static func peerMaySend(_ code: UInt16) -> Bool {
        (1000...1003).contains(code) || (1007...1011).contains(code) || (3000...4999).contains(code)
    }

    /// NIO's frame decoder refused what the peer sent (a frame over the limit: 1009; a
    /// fragmented or over-long control frame: 1002): close with that code, unless the
    /// connection is closing or closed already (then only drop it).
    mutating func decoderFailed(_ error: NIOWebSocketError) -> Action {
        guard phase == .open else {
            markClosed()
            return .drop
        }
        return fail(error == .invalidFrameLength ? .messageTooLarge : .protocolError)
    }

    private mutating func fail(_ code: WebSocketErrorCode) -> Action {
        phase = .closed
        fragments = nil
        return .closeAndDrop(code)
    }

    enum Keepalive: Equatable {
        /// Send a ping with this payload.
        case ping(UInt64)
        /// The last ping went unanswered for a whole period: close (1001) and drop.
        case closeAndDrop(WebSocketErrorCode)
        /// The connection is closing: no more pings.
        case stop
    }

    /// The keepalive timer fired: ping the peer, or give up on it when the previous ping is
    /// still unanswered.
    mutating func keepaliveDue(payload: UInt64) -> Keepalive {
        guard phase == .open else { return .stop }
        guard unansweredPing == nil else {
            phase = .closed
            return .closeAndDrop(.goingAway)
        }
        unansweredPing = payload
        return .ping(payload)
    }

    /// The server wants to close: true when its close frame should be sent now (the first time,
    /// while open).
    mutating func beginClose() -> Bool {
        guard phase == .open else { return false }
        phase = .closing
        fragments = nil
        return true
    }

    /// The decoder refused the stream (its error handler answers) or the connection is gone.
    mutating func markClosed() {
        phase = .closed
        fragments = nil
    }
}
