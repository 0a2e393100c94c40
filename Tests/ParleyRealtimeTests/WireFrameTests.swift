import NIOCore
import NIOEmbedded
import NIOWebSocket
import ParleyRealtime
import Testing

/// The prepared frames are what SwiftNIO's own decoder reads back, at every length form.
@Suite struct WireFrameTests {
    @Test(arguments: [0, 1, 125, 126, 1_000, 65_535, 65_536, 200_000])
    func nioDecodesThePreparedFrame(length: Int) throws {
        let text = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let frame = WireFrame(text: text)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        try channel.writeInbound(frame.bytes)
        let decoded = try #require(try channel.readInbound(as: WebSocketFrame.self))
        #expect(decoded.fin && decoded.opcode == .text && decoded.maskKey == nil)
        #expect(Array(buffer: decoded.unmaskedData) == text)
        #expect(Array(buffer: frame.payload) == text)
        let leftover = try channel.readInbound(as: WebSocketFrame.self)
        #expect(leftover == nil)
        _ = try channel.finish()
    }

    @Test func aFrameCountsItsHeader() {
        #expect(WireFrame(text: [UInt8](repeating: 0x20, count: 125)).count == 127)
        #expect(WireFrame(text: [UInt8](repeating: 0x20, count: 126)).count == 130)
        #expect(WireFrame(text: [UInt8](repeating: 0x20, count: 65_536)).count == 65_546)
    }
}
