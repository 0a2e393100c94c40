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

    /// A batching session's frames: texts joined with newlines, as few frames as fit the limit,
    /// a text over the limit on its own, one frame unchanged.
    @Test func framesJoinWithNewlinesUpToTheLimit() {
        let texts = ["{\"a\":1}", "{\"b\":2}", String(repeating: "x", count: 30), "{\"c\":3}", "{\"d\":4}"]
        let frames = texts.map { WireFrame(text: Array($0.utf8)) }
        let joined = WireFrame.joined(frames, maxPayload: 20)
        #expect(joined.map { String(buffer: $0.payload) } == ["{\"a\":1}\n{\"b\":2}", texts[2], "{\"c\":3}\n{\"d\":4}"])
        #expect(WireFrame.joined(frames, maxPayload: 1 << 16).map { String(buffer: $0.payload) } == [texts.joined(separator: "\n")])
        let one = WireFrame.joined([frames[0]], maxPayload: 4)
        #expect(one.count == 1 && one[0].bytes == frames[0].bytes)
        // Every joined frame is a well-formed frame of its own length.
        for frame in joined { #expect(frame.count == frame.payload.readableBytes + 2) }
    }

    /// A session without batching: its frames back to back in one buffer, each read back as
    /// a frame of its own, in order; one frame is its own buffer.
    @Test func coalescedFramesDecodeOneByOne() throws {
        let texts = ["{\"a\":1}", String(repeating: "y", count: 300), "", "{\"z\":26}"]
        let frames = texts.map { WireFrame(text: Array($0.utf8)) }
        let buffer = WireFrame.coalesced(frames)
        #expect(buffer.readableBytes == frames.reduce(0) { $0 + $1.count })
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        try channel.writeInbound(buffer)
        var decoded: [String] = []
        while let frame = try channel.readInbound(as: WebSocketFrame.self) { decoded.append(String(buffer: frame.unmaskedData)) }
        #expect(decoded == texts)
        #expect(WireFrame.coalesced([frames[1]]) == frames[1].bytes)
        _ = try channel.finish()
    }

    @Test func aFrameCountsItsHeader() {
        #expect(WireFrame(text: [UInt8](repeating: 0x20, count: 125)).count == 127)
        #expect(WireFrame(text: [UInt8](repeating: 0x20, count: 126)).count == 130)
        #expect(WireFrame(text: [UInt8](repeating: 0x20, count: 65_536)).count == 65_546)
    }
}
