import Foundation
import ParleyEngine
import ParleyLog
import ParleyRealtime
import ParleyServer
import ParleyStorage
import Testing

/// A session that sends messages without waiting for their acks (issue 18): the server appends
/// them in arrival order and acks each once durable, so one fsync covers many; every answer
/// still comes back in the order of the frames.
@Suite struct PipeliningTests {
    @Test func aBurstOfMessagesSharesFsyncsAndIsAnsweredInFrameOrder() async throws {
        try await RealtimeFixture.withServer { fixture in
            let token = try await fixture.visitor("v-1")
            let visitor = try await fixture.visitorSocket("v-1", token: token)
            // Open the conversation first, so the burst goes to one that exists.
            await visitor.send(["type": "message", "content": "hello", "client_message_id": "c-0"])
            _ = try #require(await visitor.next("ack"))
            let before = fixture.server.broker.store.logStatistics
            let (records, batches) = (before.records, before.batches)
            let count = 64
            // One burst: messages, a bad one in the middle, a repeat of an earlier client id,
            // and a question about the state at the end.
            for n in 1...count {
                await visitor.send(["type": "message", "content": "m\(n)", "client_message_id": "c-\(n)"])
                if n == 20 { await visitor.send(["type": "message"]) }
                if n == 40 { await visitor.send(["type": "message", "content": "m5", "client_message_id": "c-5"]) }
            }
            await visitor.send(["type": "get_state"])
            var answers: [String] = []
            while !answers.contains("state"), let frame = await visitor.next() {
                switch frame["type"] as? String {
                case "ack": answers.append("ack \(frame["client_message_id"] as? String ?? "?") seq \(frame["seq"] as? Int ?? -1)")
                case "error": answers.append("error \(frame["code"] as? String ?? "?")")
                case "state": answers.append("state")
                default: break
                }
            }
            var expected: [String] = []
            for n in 1...count {
                expected.append("ack c-\(n) seq \(n + 1)")
                if n == 20 { expected.append("error VALIDATION_ERROR") }
                if n == 40 { expected.append("ack c-5 seq 6") }
            }
            expected.append("state")
            #expect(answers == expected)
            let after = fixture.server.broker.store.logStatistics
            #expect(after.records - records == count)
            // One at a time this took one batch (and fsync) per message.
            #expect(after.batches - batches < count / 2, "\(after.batches - batches) batches for \(count) messages")
            await visitor.close()
        }
    }
}
