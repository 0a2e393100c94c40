import Foundation
import ParleyEngine
import ParleyModel
import ParleyRealtime
import ParleyServer
import Testing

/// Ordering, resume and slow consumers over real sockets.
@Suite(.serialized) struct FanOutTests {
    /// The `seq` of every `message` frame of `conversation` a socket receives until it has `count`.
    func collectSeqs(_ socket: TestSocket, count: Int, timeout: Duration = .seconds(30)) async -> [Int] {
        var seqs: [Int] = []
        let deadline = ContinuousClock.now + timeout
        while seqs.count < count, let frame = await socket.next("message", timeout: deadline - ContinuousClock.now) {
            if let seq = (frame["message"] as? [String: Any])?["seq"] as? Int { seqs.append(seq) }
        }
        return seqs
    }

    @Test func fourSendersOneOrderForEverySubscriber() async throws {
        try await RealtimeFixture.withServer { fixture in
            let token = try await fixture.visitor("v-1")
            let visitorSocket = try await fixture.visitorSocket("v-1", token: token)
            let visitor = try #require(fixture.server.broker.visitor(VisitorID(1)))
            let conversation = try await fixture.server.broker.openConversation(site: fixture.site.id, visitor: visitor.id)
            var subscribers = [visitorSocket]
            for _ in 0..<3 { subscribers.append(try await fixture.agentSocket()) }
            // Four senders (the visitor's socket, an agent socket, REST-side broker calls ×2) × 250.
            let senders = try await [fixture.agentSocket(), fixture.agentSocket()]
            let conversationID = NativeID.format(conversation.id)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, sender) in senders.enumerated() {
                    group.addTask {
                        for n in 0..<250 {
                            await sender.send(["type": "message", "conversation_id": conversationID, "content": "s\(index)-\(n)"])
                            _ = await sender.next("ack")
                        }
                    }
                }
                for index in 2..<4 {
                    group.addTask {
                        for n in 0..<250 {
                            _ = try await fixture.server.broker.send(
                                MessageDraft(sender: .agent(fixture.owner.id), content: "r\(index)-\(n)"), to: conversation.id)
                        }
                    }
                }
                try await group.waitForAll()
            }
            for subscriber in subscribers {
                let seqs = await collectSeqs(subscriber, count: 1000)
                #expect(seqs == Array(1...1000))
            }
            for socket in subscribers + senders { await socket.close() }
        }
    }

    @Test func resumeReplaysWhatWasMissedInOrder() async throws {
        try await RealtimeFixture.withServer { fixture in
            let token = try await fixture.visitor("v-1")
            let visitor = try #require(fixture.server.broker.visitor(VisitorID(1)))
            let conversation = try await fixture.server.broker.openConversation(site: fixture.site.id, visitor: visitor.id)
            let conversationID = NativeID.format(conversation.id)
            func send(_ text: String) async throws {
                _ = try await fixture.server.broker.send(MessageDraft(sender: .agent(fixture.owner.id), content: text), to: conversation.id)
            }
            var received: [Int] = []
            var recoveredCount = 0
            for cycle in 0..<1000 {
                // The resume is the first frame, sent before the server has even registered the session.
                let socket = try await TestSocket.connect(
                    port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=visitor&token=\(token)&visitor_id=v-1")
                await socket.send(["type": "resume", "positions": [conversationID: received.last ?? 0]])
                // Messages keep flowing while the client reconnects.
                try await send("c\(cycle)")
                var resumed = false
                while let frame = await socket.next(timeout: .seconds(2)) {
                    if frame["type"] as? String == "resumed" {
                        resumed = true
                        if frame["recovered"] as? Bool == true { recoveredCount += 1 }
                    }
                    if let seq = (frame["message"] as? [String: Any])?["seq"] as? Int, frame["type"] as? String == "message" {
                        if seq > (received.last ?? 0) { received.append(seq) }
                    }
                    if resumed && received.last == cycle * 2 + 1 { break }
                }
                #expect(resumed)
                try await send("d\(cycle)")  // sent while this client is away
                await socket.close()
                _ = await socket.closeCode()
            }
            #expect(received == Array(1...received.count))
            #expect(received.count >= 1999)
            #expect(recoveredCount == 1000)
        }
    }

    @Test func aStalledReaderIsClosedAndTheOthersKeepReceiving() async throws {
        try await RealtimeFixture.withServer(realtime: RealtimeConfiguration(outboxBytes: 32 << 10)) { fixture in
            let token = try await fixture.visitor("v-1")
            let visitor = try #require(fixture.server.broker.visitor(VisitorID(1)))
            let conversation = try await fixture.server.broker.openConversation(site: fixture.site.id, visitor: visitor.id)
            let stalled = try await RawWebSocket.connect(
                port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=visitor&token=\(token)&visitor_id=v-1",
                receiveBuffer: 4096, readHandshake: false)
            var readers: [TestSocket] = []
            for _ in 0..<99 { readers.append(try await fixture.agentSocket()) }
            let text = String(repeating: "x", count: 8000)
            for _ in 0..<200 {
                _ = try await fixture.server.broker.send(MessageDraft(sender: .agent(fixture.owner.id), content: text), to: conversation.id)
            }
            // Every reader gets all 200; the stalled session is gone from the hub.
            for reader in readers { #expect(await collectSeqs(reader, count: 200) == Array(1...200)) }
            let deadline = ContinuousClock.now + .seconds(10)
            while fixture.server.hub.sessionCount > readers.count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(fixture.server.hub.sessionCount == readers.count)
            stalled.close()
            for reader in readers { await reader.close() }
        }
    }
}
