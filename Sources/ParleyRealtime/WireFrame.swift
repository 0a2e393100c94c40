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
    /// Where the buffer's storage is, noted once when the frame is made: the frame's identity
    /// for ``isIdentical(to:)``, which runs once per recipient where this runs once per frame.
    private let storageAddress: UInt

    /// Frames `text` (UTF-8 JSON) as one final, unmasked text frame.
    public init(text: some Collection<UInt8>) {
        self = Self.build(capacity: text.count) { $0.writeBytes(text) }
    }

    /// A frame whose text `write` puts straight into the frame's own buffer (after room for
    /// the largest header, which is then set right in front of the text): one allocation, no
    /// copy. `capacity` is a guess at the text's length; the buffer grows if it is short.
    public static func build(capacity: Int, _ write: (inout ByteBuffer) -> Void) -> WireFrame {
        var bytes = textBuffer(capacity: capacity)
        write(&bytes)
        return WireFrame(framing: consume bytes)
    }

    /// The most bytes a header takes (RFC 6455 §5.2, unmasked).
    private static let headerRoom = 10

    /// An empty buffer for a frame's text, with room for `capacity` bytes of it and for the
    /// largest header in front (``init(framing:)`` puts the header there).
    static func textBuffer(capacity: Int) -> ByteBuffer {
        var bytes = ByteBufferAllocator().buffer(capacity: headerRoom + capacity)
        bytes.writeRepeatingByte(0, count: headerRoom)
        bytes.moveReaderIndex(forwardBy: headerRoom)
        return bytes
    }

    /// The frame of the text in `bytes`, a ``textBuffer(capacity:)`` written to: its header is
    /// set in the room in front of the text (no copy when `bytes` is the buffer's only owner).
    init(framing bytes: consuming ByteBuffer) {
        let length = bytes.readableBytes
        let headerLength = Self.headerLength(payload: length)
        let start = bytes.readerIndex - headerLength
        bytes.setInteger(UInt8(0x81), at: start)
        switch length {
        case 0...125: bytes.setInteger(UInt8(length), at: start + 1)
        case 126...0xFFFF:
            bytes.setInteger(UInt8(126), at: start + 1)
            bytes.setInteger(UInt16(length), at: start + 2)
        default:
            bytes.setInteger(UInt8(127), at: start + 1)
            bytes.setInteger(UInt64(length), at: start + 2)
        }
        bytes.moveReaderIndex(to: start)
        self.init(bytes: bytes, headerLength: headerLength)
    }

    private init(bytes: ByteBuffer, headerLength: Int) {
        self.bytes = bytes
        self.headerLength = headerLength
        self.storageAddress = bytes.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
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

    /// Batching (a session that asked for it, issue 18): `frames`' texts joined with newlines into
    /// as few frames as fit `maxPayload` bytes each (a text longer than that stays a frame of its
    /// own). One frame in, the same frame out, uncopied.
    public static func joined(_ frames: [WireFrame], maxPayload: Int) -> [WireFrame] {
        guard frames.count > 1 else { return frames }
        var joined: [WireFrame] = []
        var start = 0
        while start < frames.count {
            var end = start + 1
            var length = frames[start].payloadCount
            while end < frames.count, length + 1 + frames[end].payloadCount <= maxPayload {
                length += 1 + frames[end].payloadCount
                end += 1
            }
            if end - start == 1 {
                joined.append(frames[start])
            } else {
                joined.append(
                    build(capacity: length) { buffer in
                        for index in start..<end {
                            if index > start { buffer.writeInteger(UInt8(ascii: "\n")) }
                            buffer.writeImmutableBuffer(frames[index].payload)
                        }
                    })
            }
            start = end
        }
        return joined
    }

    /// The wire bytes of `frames`, back to back, in one buffer: still one WebSocket frame each,
    /// but one write for the socket instead of one per frame (a session that did not ask for
    /// batching, issue 18). Copying a few hundred bytes a frame costs less than a pipeline write,
    /// a pending-write entry and an iovec each, with a shared buffer retained and released per
    /// recipient. One frame in, its own buffer out, uncopied.
    public static func coalesced(_ frames: [WireFrame]) -> ByteBuffer {
        guard frames.count > 1 else { return frames.first?.bytes ?? ByteBuffer() }
        var buffer = ByteBufferAllocator().buffer(capacity: frames.reduce(0) { $0 + $1.count })
        for frame in frames { buffer.writeImmutableBuffer(frame.bytes) }
        return buffer
    }

    private var payloadCount: Int { bytes.readableBytes - headerLength }

    /// Whether `other` is this very frame: the same bytes of the same buffer (not merely the
    /// same text). A frame never changes its buffer, and both frames are alive while compared,
    /// so one address is one buffer.
    func isIdentical(to other: WireFrame) -> Bool {
        storageAddress == other.storageAddress && bytes.readerIndex == other.bytes.readerIndex
            && bytes.readableBytes == other.bytes.readableBytes
    }
}
