import Foundation
import ParleyEngine
import ParleyModel
import ParleyRealtime
import ParleyServer
import Testing

/// Ordering, resume and slow consumers over real sockets. Serialized: each test loads the
/// 2-core machine on its own, and the slow-consumer test's small outbox wants its share of it.
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

    /// Also with a write delay (`--ws-write-delay-ms`): the same order, every message, fewer writes.
    @Test(arguments: [0, 2])
    func fourSendersOneOrderForEverySubscriber(writeDelayMilliseconds: Int) async throws {
        let realtime = RealtimeConfiguration(presenceGrace: .milliseconds(300), writeDelay: .milliseconds(writeDelayMilliseconds))
        try await RealtimeFixture.withServer(realtime: realtime) { fixture in
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
            // What queued up while a writer was busy left in one socket write.
            let statistics = fixture.server.hub.openSessions.map(\.writeStatistics)
            let frames = statistics.reduce(0) { $0 + $1.frames }
            let writes = statistics.reduce(0) { $0 + $1.writes }
            #expect(frames >= 6000 && writes < frames, "\(frames) frames in \(writes) writes")
            for socket in subscribers + senders { await socket.close() }
        }
    }

    @Test func resumeReplaysWhatWasMissedInOrder() async throws {
        try await RealtimeFixture.withServer { fixture in
            let token = try await fixture.visitor("v-1")
            let visitor = try #require(fixture.server.broker.visitor(VisitorID(1)))
            let conversation = try await fixture.server.broker.openConversation(site: fixture.site.id, visitor: visitor.id)
            let conversationID = NativeID.format(conversation.id)
            // Messages keep flowing the whole time, from another task, at a random pace.
            let publisher = Task {
                var generator = SystemRandomNumberGenerator()
                var sent = 0
                while !Task.isCancelled {
                    _ = try await fixture.server.broker.send(
                        MessageDraft(sender: .agent(fixture.owner.id), content: "m\(sent)"), to: conversation.id)
                    sent += 1
                    try await Task.sleep(for: .microseconds(Int.random(in: 200...3000, using: &generator)))
                }
            }
            var received: [Int] = []  // in arrival order, duplicates included
            var recovered = 0
            var reloads = 0
            for _ in 0..<1000 {
                // The resume is the first frame, sent before the server has even registered the session.
                let socket = try await TestSocket.connect(
                    port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=visitor&token=\(token)&visitor_id=v-1")
                await socket.send(["type": "resume", "positions": [conversationID: received.max() ?? 0]])
                let stayUntil = ContinuousClock.now + .milliseconds(Int.random(in: 1...8))
                var resumed = false
                while let frame = await socket.next(timeout: resumed ? max(.zero, stayUntil - .now) : .seconds(2)) {
                    switch frame["type"] as? String {
                    case "resumed":
                        resumed = true
                        if frame["recovered"] as? Bool == true {
                            recovered += 1
                        } else {
                            // The client must reload history: fetch what it lacks from the store.
                            reloads += 1
                            let have = received.max() ?? 0
                            let page = try fixture.server.broker.messages(conversation.id, page: .newest(limit: 10_000))
                            received += page.messages.map { Int($0.seq) }.filter { $0 > have }
                        }
                    case "message":
                        if let seq = (frame["message"] as? [String: Any])?["seq"] as? Int { received.append(seq) }
                    default: break
                    }
                    if resumed && ContinuousClock.now >= stayUntil { break }
                }
                #expect(resumed)
                await socket.close()
                _ = await socket.closeCode()
            }
            publisher.cancel()
            _ = try? await publisher.value
            // A last resume picks up the tail.
            let last = try await TestSocket.connect(
                port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=visitor&token=\(token)&visitor_id=v-1")
            await last.send(["type": "resume", "positions": [conversationID: received.max() ?? 0]])
            while let frame = await last.next(timeout: .seconds(2)), frame["type"] as? String != "resumed" {
                if let seq = (frame["message"] as? [String: Any])?["seq"] as? Int { received.append(seq) }
            }
            await last.close()
            let total = Int(fixture.server.broker.conversation(conversation.id).map { _ in
                (try? fixture.server.broker.messages(conversation.id, page: .newest(limit: 1)).messages.last?.seq) ?? 0 } ?? 0)
            // Live frames and replays never overlap: no duplicates even before dedupe, none missing.
            #expect(received == Array(1...total), "\(received.count) received of \(total)")
            #expect(total > 300)
            #expect(recovered + reloads == 1000)
            #expect(reloads == 0, "recovered: false \(reloads) times")
        }
    }

    @Test func aStalledReaderIsClosedAndTheOthersKeepReceiving() async throws {
        // Outboxes hold 64 of the 8 KB messages: room for a reader that keeps up with a burst
        // (the event loop writes to all of them), not for one that reads nothing.
        try await RealtimeFixture.withServer(realtime: RealtimeConfiguration(outboxBytes: 512 << 10)) { fixture in
            let token = try await fixture.visitor("v-1")
            let visitor = try #require(fixture.server.broker.visitor(VisitorID(1)))
            let conversation = try await fixture.server.broker.openConversation(site: fixture.site.id, visitor: visitor.id)
            let stalled = try await RawWebSocket.connect(
                port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=visitor&token=\(token)&visitor_id=v-1",
                receiveBuffer: 4096, readHandshake: false)
            var readers: [TestSocket] = []
            for _ in 0..<10 { readers.append(try await fixture.agentSocket()) }
            let text = String(repeating: "x", count: 8000)
            var sent = 0
            func send() async throws {
                _ = try await fixture.server.broker.send(MessageDraft(sender: .agent(fixture.owner.id), content: text), to: conversation.id)
                sent += 1
            }
            // A burst of 300 (2.4 MB) that the readers keep up with...
            while sent < 300 { try await send() }
            // ... then on, paced so that they still do, until the stalled session is gone: how
            // much its path swallows before its outbox fills varies, because the server's kernel
            // send buffer on loopback grows with 64 KiB segments (up to tcp_wmem's 4 MiB).
            let deadline = ContinuousClock.now + .seconds(30)
            while fixture.server.hub.sessionCount > readers.count, sent < 3000, ContinuousClock.now < deadline {
                try await send()
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(fixture.server.hub.sessionCount == readers.count, "the stalled session is still open after \(sent) messages")
            // Every reader gets every message.
            for reader in readers {
                let seqs = await collectSeqs(reader, count: sent)
                #expect(seqs == Array(1...sent))
            }
            stalled.close()
            for reader in readers { await reader.close() }
        }
    }
}
