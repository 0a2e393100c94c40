import NIOCore
import ParleyModel
import ParleyRealtime
import Testing

/// The order of a pipelining session's answers (issue 18), without sockets: acks wait for
/// durability, later answers wait behind them, and each place is answered once.
@Suite struct ResponseQueueTests {
    func frame(_ text: String) -> WireFrame { WireFrame(text: Array(text.utf8)) }
    func texts(_ frames: [WireFrame]) -> [String] { frames.map { String(buffer: $0.payload) } }

    @Test func answersLeaveInFrameOrderWhateverOrderTheySettleIn() {
        var queue = ResponseQueue()
        #expect(texts(queue.answer(frame("pong"))) == ["pong"])  // nothing ahead: at once
        let first = queue.reserve()
        let second = queue.reserve()
        #expect(texts(queue.answer(frame("error"))) == [])  // behind two messages in flight
        #expect(queue.count == 3)
        #expect(texts(queue.settle(second, with: frame("ack 2"))) == [])
        #expect(texts(queue.settle(first, with: frame("ack 1"))) == ["ack 1", "ack 2", "error"])
        #expect(queue.isEmpty)
        // A place answered twice (the hub and the durability callback) is written once.
        let third = queue.reserve()
        queue.attach(MessageID(3), to: third)
        #expect(texts(queue.settleCopy(of: MessageID(3)) { frame("ack 3") }) == ["ack 3"])
        #expect(texts(queue.settle(third, with: frame("ack 3 again"))) == [])
        #expect(texts(queue.settleCopy(of: MessageID(3)) { frame("ack 3 once more") }) == [])
        #expect(queue.isEmpty)
    }

    @Test func theHubsCopyOfALaterMessageWaitsForTheEarlierAck() {
        var queue = ResponseQueue()
        let first = queue.reserve()
        let second = queue.reserve()
        queue.attach(MessageID(1), to: first)
        queue.attach(MessageID(2), to: second)
        // The hub routes message 2 to this session first (message 1 went to a conversation it
        // does not follow): ack 2 must still come after ack 1.
        #expect(texts(queue.settleCopy(of: MessageID(2)) { frame("ack 2") }) == [])
        #expect(texts(queue.settleCopy(of: MessageID(7)) { frame("not ours") }) == [])
        #expect(texts(queue.settle(first, with: frame("ack 1"))) == ["ack 1", "ack 2"])
    }

    @Test func aLongPipelineKeepsItsOrderAcrossCompaction() {
        var queue = ResponseQueue()
        var written: [String] = []
        var open: [ResponseQueue.Ticket] = []
        var order: [String] = []
        var random: UInt64 = 42
        for _ in 0..<2_000 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            switch random >> 61 {
            case 0, 1, 2:
                let ticket = queue.reserve()
                open.append(ticket)
                order.append("\(ticket)")
            case 3:
                order.append("answer \(order.count)")
                written += texts(queue.answer(frame(order.last!)))
            default:
                guard !open.isEmpty else { continue }
                let ticket = open.remove(at: Int((random >> 20) % UInt64(open.count)))
                written += texts(queue.settle(ticket, with: frame("\(ticket)")))
            }
        }
        for ticket in open { written += texts(queue.settle(ticket, with: frame("\(ticket)"))) }
        #expect(queue.isEmpty)
        #expect(written == order)
    }
}
