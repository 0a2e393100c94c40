import NIOCore
import NIOWebSocket

/// A client frame's payload unmasked (RFC 6455 §5.3) eight bytes at a time. SwiftNIO's
/// `unmaskedData` copies the payload and then unmasks it a byte at a time, each byte through
/// the key's `Collection` subscript: 2.4 % of `durable`'s server CPU for frames of about 250
/// bytes (docs/PERFORMANCE.md). Here the copy and the unmasking are one pass.
enum FrameUnmasking {
    /// `frame`'s payload, unmasked (the payload itself when the frame has no key).
    static func payload(of frame: WebSocketFrame) -> ByteBuffer {
        guard let key = frame.maskKey else { return frame.data }
        let count = frame.data.readableBytes
        guard count > 0 else { return frame.data }
        var unmasked = ByteBufferAllocator().buffer(capacity: count)
        unmasked.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target in
            frame.data.withUnsafeReadableBytes { source in
                unmask(source, into: target, key: key)
            }
            return count
        }
        return unmasked
    }

    /// `source` XOR the repeated `key` into the first `source.count` bytes of `target`.
    static func unmask(_ source: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer, key: WebSocketMaskingKey) {
        let keyBytes = (key[0], key[1], key[2], key[3])
        // The key's four bytes twice, in memory order, so a word loaded from the payload at a
        // multiple of 8 lines up with it whatever the machine's byte order.
        let word = withUnsafeBytes(of: (keyBytes, keyBytes)) { $0.loadUnaligned(as: UInt64.self) }
        let count = source.count
        var index = 0
        while index + 8 <= count {
            let masked = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            target.storeBytes(of: masked ^ word, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            let keyByte: UInt8
            switch index & 3 {
            case 0: keyByte = keyBytes.0
            case 1: keyByte = keyBytes.1
            case 2: keyByte = keyBytes.2
            default: keyByte = keyBytes.3
            }
            target[index] = source[index] ^ keyByte
            index += 1
        }
    }
}
