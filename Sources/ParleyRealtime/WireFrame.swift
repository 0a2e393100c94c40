public import NIOCore

/// One server → client WebSocket text frame, header included, as it goes on the wire: a
/// "prepared message" (gorilla/websocket's `PreparedMessage`, uWebSockets' prepared messages).
///
/// Server frames are never masked (RFC 6455 §5.1), so a frame's bytes are the same for every
/// recipient: the hub encodes an event once and each recipient's socket is handed the same
/// buffer (shared, not copied). Fan-out then costs no per-recipient encoding, framing or
/// allocation, and the frames of a batch go to the kernel in one gathered write.
///
/// SwiftNIO's `WebSocketFrameEncoder` keeps its header writer private, hence the few lines of
/// RFC 6455 §5.2 below; `WireFrameTests` checks them against NIO's `WebSocketFrameDecoder`.
public struct WireFrame: Sendable {
    /// Header and payload, ready for the socket.
    public let bytes: ByteBuffer
    private let headerLength: Int

    /// Frames `text` (UTF-8 JSON) as one final, unmasked text frame.
    public init(text: some Collection<UInt8>) {
        let length = text.count
        let headerLength = Self.headerLength(payload: length)
        var bytes = ByteBufferAllocator().buffer(capacity: headerLength + length)
        bytes.writeInteger(UInt8(0x81))  // FIN, opcode 0x1 (text)
        switch length {
        case 0...125:
            bytes.writeInteger(UInt8(length))
        case 126...0xFFFF:
            bytes.writeInteger(UInt8(126))
            bytes.writeInteger(UInt16(length))  // network byte order
        default:
            bytes.writeInteger(UInt8(127))
            bytes.writeInteger(UInt64(length))
        }
        bytes.writeBytes(text)
        self.bytes = bytes
        self.headerLength = headerLength
    }

    /// The frame's JSON text, without the header.
    public var payload: ByteBuffer {
        bytes.getSlice(at: bytes.readerIndex + headerLength, length: bytes.readableBytes - headerLength) ?? ByteBuffer()
    }

    /// Bytes on the wire (what an outbox counts against its limit).
    public var count: Int { bytes.readableBytes }

    static func headerLength(payload length: Int) -> Int {
        switch length {
        case 0...125: 2
        case 126...0xFFFF: 4
        default: 10
        }
    }
}
