import NIOCore
import NIOEmbedded
import NIOWebSocket
import ParleyModel
import Synchronization
import Testing

@testable import ParleyRealtime

/// The write path without sockets: a session's queued frames leave through its outlet in one
/// flush per event-loop turn, wait while the channel is over its watermark, and stay in order.
@Suite struct SessionOutletTests {
    struct Fixture {
        let channel: EmbeddedChannel
        let session: RealtimeSession
        let outlet: SessionOutlet.Handle

        init(outboxLimit: Int = 1 << 20, writeDelay: TimeAmount = .zero) throws {
            channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandlers([
                WebSocketFrameEncoder(), ByteToMessageHandler(WebSocketFrameDecoder()),
            ])
            let queue = LoopFlushQueue(eventLoop: channel.eventLoop, writeDelay: writeDelay)
            outlet = try SessionOutlet.install(on: channel, queue: queue)
            session = RealtimeSession(
                id: 1, identity: .agent(AgentID(1), site: SiteID(1)), dialect: .native, outboxLimit: outboxLimit,
                replayLimit: 10, outlet: outlet)
        }

        /// Everything written to the socket so far.
        func written() throws -> [ByteBuffer] {
            var result: [ByteBuffer] = []
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { result.append(buffer) }
            return result
        }
    }

    func frame(_ text: String) -> WireFrame { WireFrame(text: Array(text.utf8)) }

    @Test func whatQueuedInOneTurnLeavesInOneFlush() throws {
        let fixture = try Fixture()
        for text in ["a", "b", "c"] { fixture.session.send(frame(text)) }
        #expect(try fixture.written().isEmpty)  // nothing before the loop's turn
        fixture.channel.embeddedEventLoop.run()
        let written = try fixture.written()
        // One buffer: the three frames back to back (issue 18: one write per flush, not per frame).
        #expect(written == [WireFrame.coalesced(["a", "b", "c"].map { frame($0) })])
        #expect(written.first.map { Array($0.readableBytesView) } == ["a", "b", "c"].flatMap { Array(frame($0).bytes.readableBytesView) })
        #expect(fixture.session.writeStatistics == (frames: 3, writes: 1))
        fixture.session.send(frame("d"))
        fixture.channel.embeddedEventLoop.run()
        #expect(try fixture.written() == [frame("d").bytes])
        #expect(fixture.session.writeStatistics == (frames: 4, writes: 2))
    }

    /// With a write delay, what is sent within the window leaves in one write at its end, and
    /// the next frame opens a new window.
    @Test func aWriteDelayCollectsTheWindowsFramesIntoOneWrite() throws {
        let fixture = try Fixture(writeDelay: .milliseconds(5))
        let loop = fixture.channel.embeddedEventLoop
        fixture.session.send(frame("a"))
        loop.run()
        #expect(try fixture.written().isEmpty, "not before the window ends")
        loop.advanceTime(by: .milliseconds(3))
        fixture.session.send(frame("b"))
        fixture.session.send(frame("c"))
        loop.advanceTime(by: .milliseconds(1))
        #expect(try fixture.written().isEmpty)
        loop.advanceTime(by: .milliseconds(1))
        #expect(try fixture.written() == [WireFrame.coalesced(["a", "b", "c"].map { frame($0) })])
        #expect(fixture.session.writeStatistics == (frames: 3, writes: 1))
        fixture.session.send(frame("d"))
        loop.advanceTime(by: .milliseconds(4))
        #expect(try fixture.written().isEmpty)
        loop.advanceTime(by: .milliseconds(1))
        #expect(try fixture.written() == [frame("d").bytes])
    }

    @Test func aQueueMadeFromTheConfigurationKeepsItsDelay() {
        let loop = EmbeddedEventLoop()
        #expect(LoopFlushQueues(writeDelay: .milliseconds(7)).queue(for: loop).writeDelay == .milliseconds(7))
        #expect(LoopFlushQueues().queue(for: loop).writeDelay == .zero)
    }

    @Test func anUnwritableChannelKeepsFramesInTheOutboxUntilItDrains() throws {
        let fixture = try Fixture()
        fixture.channel.isWritable = false
        fixture.session.send(frame("x"))
        fixture.session.send(frame("y"))
        fixture.channel.embeddedEventLoop.run()
        #expect(try fixture.written().isEmpty)
        // The outlet is an outbound handler: the inbound event does not reach it by itself...
        fixture.channel.isWritable = true
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        #expect(try fixture.written().isEmpty)
        // ... the connection handler passes it on (`WebSocketConnectionHandler.channelWritabilityChanged`).
        fixture.outlet.handler.value.writabilityChanged()
        #expect(try fixture.written() == [WireFrame.coalesced([frame("x"), frame("y")])])
    }

    /// A client's frames pass the outlet by: it is not on the inbound side of the pipeline.
    @Test func theOutletIsNotOnTheInboundPath() throws {
        let fixture = try Fixture()
        let context = try fixture.channel.pipeline.syncOperations.context(handlerType: SessionOutlet.self)
        #expect(!(context.handler is any _ChannelInboundHandler))
        #expect(context.handler is any _ChannelOutboundHandler)
    }

    @Test func anOutboxThatOverflowsWhileUnwritableAsksToClose() throws {
        let closes = Mutex<[RealtimeSession.CloseReason]>([])
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([WebSocketFrameEncoder(), ByteToMessageHandler(WebSocketFrameDecoder())])
        let outlet = try SessionOutlet.install(on: channel, queue: LoopFlushQueue(eventLoop: channel.eventLoop))
        let session = RealtimeSession(
            id: 2, identity: .visitor(VisitorID(1), site: SiteID(1)), dialect: .native, outboxLimit: 100, replayLimit: 10,
            outlet: outlet
        ) { _, reason in closes.withLock { $0.append(reason) } }
        channel.isWritable = false
        for _ in 0..<10 { session.send(WireFrame(text: [UInt8](repeating: 0x61, count: 30))) }
        #expect(closes.withLock { $0 } == [.overflow])  // once, however many frames were refused
        channel.embeddedEventLoop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
    }
}
