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
    /// The answers the socket gets up to the `state` frame, each as a line: acks (client id and
    /// `seq`), errors (code), pongs.
    static func answers(from socket: TestSocket) async -> [String] {
        var answers: [String] = []
        while !answers.contains("state"), let frame = await socket.next() {
            switch frame["type"] as? String {
            case "ack": answers.append("ack \(frame["client_message_id"] as? String ?? "?") seq \(frame["seq"] as? Int ?? -1)")
            case "error": answers.append("error \(frame["code"] as? String ?? "?")")
            case "pong": answers.append("pong")
            case "state": answers.append("state")
            default: break
            }
        }
        return answers
    }

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
            let answers = await Self.answers(from: visitor)
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

    /// Most `message` and typing frames are carried out on the connection's event loop; reads,
    /// a visitor's first message and the rest go to the session's task, and so does everything
    /// that arrives behind them. The two paths mixed in one burst still answer in frame order.
    @Test func framesCarriedOutOnTheEventLoopAndOnTheTaskKeepTheirOrder() async throws {
        try await RealtimeFixture.withServer { fixture in
            let token = try await fixture.visitor("v-1")
            let visitor = try await fixture.visitorSocket("v-1", token: token)
            // The first message opens the conversation (on the task); the rest name it.
            await visitor.send(["type": "message", "content": "hello", "client_message_id": "c-0"])
            let first = try #require(await visitor.next("ack"))
            let conversation = try #require(first["conversation_id"] as? String)
            for round in 1...8 {
                await visitor.send(["type": "message", "content": "a\(round)", "client_message_id": "a-\(round)"])
                await visitor.send(["type": "typing_start", "conversation_id": conversation])
                await visitor.send(["type": "message", "content": "b\(round)", "conversation_id": conversation, "client_message_id": "b-\(round)"])
                await visitor.sendText("not json \(round)")
                await visitor.send(["type": "ping"])
                await visitor.send(["type": "message", "content": "x", "conversation_id": "nope"])
                await visitor.send(["type": "read", "conversation_id": conversation])
                await visitor.send(["type": "message", "content": "c\(round)", "client_message_id": "c-\(round)"])
            }
            await visitor.send(["type": "get_state"])
            let answers = await Self.answers(from: visitor)
            var expected: [String] = []
            var seq = 1
            for round in 1...8 {
                expected += [
                    "ack a-\(round) seq \(seq + 1)", "ack b-\(round) seq \(seq + 2)", "error VALIDATION_ERROR", "pong",
                    "error VALIDATION_ERROR", "ack c-\(round) seq \(seq + 3)",
                ]
                seq += 3
            }
            expected.append("state")
            #expect(answers == expected)
            await visitor.close()
        }
    }
}

/// A client that asks for it (`batch=1`) gets several events per WebSocket frame,
/// newline-delimited, in order; others get one event per frame (issue 18).
@Suite struct FrameBatchingTests {
    @Test func aBatchValueThatIsNotOnOrOffIsRefused() async throws {
        try await RealtimeFixture.withServer { fixture in
            let socket = try await TestSocket.connect(
                port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=support&token=\(fixture.agentToken)&batch=maybe")
            #expect(await socket.closeCode() == 1008)
            #expect(await socket.reason() == "batch must be 1, true, 0 or false")
            let off = try await RealtimeFixture.ready(
                TestSocket.connect(port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=support&token=\(fixture.agentToken)&batch=0"))
            await off.close()
        }
    }

    @Test func aBatchingAgentGetsEveryMessageOnceInOrderInFewerFrames() async throws {
        try await RealtimeFixture.withServer { fixture in
            let batching = try await RealtimeFixture.ready(
                TestSocket.connect(port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=support&token=\(fixture.agentToken)&batch=1"))
            let plain = try await fixture.agentSocket()
            let token = try await fixture.visitor("v-1")
            let visitor = try await fixture.visitorSocket("v-1", token: token)
            let count = 200
            // A burst, pipelined: the hub routes runs of messages, so frames fill.
            for n in 1...count { await visitor.send(["type": "message", "content": "m\(n)"]) }
            for (socket, batches) in [(batching, true), (plain, false)] {
                var seqs: [Int] = []
                var frames = 0
                var fullest = 0
                while seqs.count < count, let text = await socket.nextText() {
                    let lines = text.split(separator: "\n")
                    frames += 1
                    fullest = max(fullest, lines.count)
                    for line in lines {
                        let object = try #require(Frame(text: String(line)).object, "each line is one JSON event: \(line)")
                        if object["type"] as? String == "message", let message = object["message"] as? [String: Any],
                            let seq = message["seq"] as? Int
                        {
                            seqs.append(seq)
                        }
                    }
                }
                #expect(seqs == Array(1...count), "batching \(batches)")
                if batches {
                    #expect(fullest > 1, "\(frames) frames for \(count) messages")
                } else {
                    #expect(fullest == 1)
                }
            }
            await batching.close()
            await plain.close()
            await visitor.close()
        }
    }
}
