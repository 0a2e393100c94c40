import NIOCore
import Synchronization

/// The NATS client protocol as nats-server speaks it over WebSocket (`peer-room`): the frames
/// are a byte stream, a frame may hold several protocol messages (the server coalesces) or part
/// of one. `feed` hands each `MSG` payload and each `PONG` on, and keeps an unfinished tail for
/// the next frame. `INFO`, `+OK`, `-ERR` and `PING` lines are skipped (a run ends long before the
/// server's two-minute ping would need an answer).
struct NatsStream {
    private var buffer = ByteBuffer()

    enum Event {
        case message(ByteBuffer)
        case pong
    }

    mutating func feed(_ chunk: ByteBuffer, _ handle: (Event) -> Void) {
        if buffer.readableBytes == 0 {
            buffer = chunk
        } else {
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
        while let lineEnd = Self.crlf(in: buffer) {
            let line = buffer.getSlice(at: buffer.readerIndex, length: lineEnd)!
            if Self.starts(line, with: Self.msg) {
                // MSG <subject> <sid> [reply-to] <#bytes>: the payload and its CRLF follow.
                guard let length = Self.lastNumber(in: line) else { buffer.moveReaderIndex(forwardBy: lineEnd + 2); continue }
                guard buffer.readableBytes >= lineEnd + 2 + length + 2 else { break }
                handle(.message(buffer.getSlice(at: buffer.readerIndex + lineEnd + 2, length: length)!))
                buffer.moveReaderIndex(forwardBy: lineEnd + 2 + length + 2)
            } else {
                if Self.starts(line, with: Self.pong) { handle(.pong) }
                buffer.moveReaderIndex(forwardBy: lineEnd + 2)
            }
        }
        if buffer.readableBytes == 0 { buffer.clear() } else if buffer.readerIndex > 1 << 16 { buffer.discardReadBytes() }
    }

    private static let msg = Array("MSG ".utf8)
    private static let pong = Array("PONG".utf8)

    /// Offset of the first CR LF in the readable bytes.
    private static func crlf(in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            while index + 1 < bytes.count {
                if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
                index += 1
            }
            return nil
        }
    }

    private static func starts(_ line: ByteBuffer, with prefix: [UInt8]) -> Bool {
        line.readableBytes >= prefix.count && line.getBytes(at: line.readerIndex, length: prefix.count)! == prefix
    }

    private static func lastNumber(in line: ByteBuffer) -> Int? {
        line.withUnsafeReadableBytes { bytes in
            var value = 0
            var scale = 1
            var index = bytes.count - 1
            while index >= 0, bytes[index] >= 48 && bytes[index] <= 57 {
                value += Int(bytes[index] - 48) * scale
                scale *= 10
                index -= 1
            }
            return scale > 1 ? value : nil
        }
    }
}

/// A `NatsStream` for one connection's event loop callbacks.
final class NatsConnectionStream: Sendable {
    private let stream = Mutex(NatsStream())
    func feed(_ chunk: ByteBuffer, _ handle: (NatsStream.Event) -> Void) { stream.withLock { $0.feed(chunk, handle) } }
}
