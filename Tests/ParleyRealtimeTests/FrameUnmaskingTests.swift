import NIOCore
import NIOWebSocket
import Testing

@testable import ParleyRealtime

/// The word-at-a-time unmasking gives what SwiftNIO's byte-at-a-time `unmaskedData` gives.
@Suite struct FrameUnmaskingTests {
    @Test func unmasksAsNIODoes() {
        var generator = SystemRandomNumberGenerator()
        // Every length around the 8-byte words, and long payloads; payloads that start at an
        // offset into their buffer (a slice of a larger read), as the decoder hands them over.
        for length in Array(0...40) + [255, 4096, 70_001] {
            for offset in [0, 3] {
                var data = ByteBufferAllocator().buffer(capacity: offset + length)
                data.writeRepeatingByte(0xEE, count: offset)
                data.writeBytes((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
                data.moveReaderIndex(forwardBy: offset)
                let key = WebSocketMaskingKey.random(using: &generator)
                let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: data)
                #expect(FrameUnmasking.payload(of: frame) == frame.unmaskedData, "length \(length), offset \(offset)")
            }
        }
    }

    @Test func anUnmaskedFrameIsItsData() {
        let data = ByteBuffer(string: "plain")
        #expect(FrameUnmasking.payload(of: WebSocketFrame(fin: true, opcode: .text, data: data)) == data)
    }
}
