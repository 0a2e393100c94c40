import Foundation
import ParleyModel
import ParleyRealtime
import ParleyServer
import Testing

/// Dead peers and noisy typists.
@Suite struct KeepaliveTests {
    /// A peer that answers no ping is dropped after the ping period (and its presence ends).
    @Test func aPeerThatNeverAnswersPingsIsDropped() async throws {
        try await RealtimeFixture.withServer(realtime: RealtimeConfiguration(presenceGrace: .zero, pingInterval: .milliseconds(300))) {
            fixture in
            let token = try await fixture.visitor("v-1")
            // A raw socket reads frames but never answers a ping.
            let silent = try await RawWebSocket.connect(
                port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=visitor&token=\(token)&visitor_id=v-1")
            let started = ContinuousClock.now
            var sawPing = false
            while let frame = await silent.offPool({ $0.readFrame() }) {
                if frame.opcode == 0x9 { sawPing = true }
                if frame.opcode == 0x8 { break }
            }
            #expect(sawPing)
            #expect(ContinuousClock.now - started < .seconds(5))
            let deadline = ContinuousClock.now + .seconds(5)
            while fixture.server.hub.sessionCount > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(fixture.server.hub.sessionCount == 0)
            silent.close()
        }
    }

    /// Typing starts over the per-session budget are dropped; stops always go through.
    @Test func typingFramesAreRateLimited() async throws {
        try await RealtimeFixture.withServer(realtime: RealtimeConfiguration(presenceGrace: .milliseconds(300), typingPerMinute: 4)) {
            fixture in
            let agent = try await fixture.agentSocket()
            let token = try await fixture.visitor("v-1")
            let visitor = try await fixture.visitorSocket("v-1", token: token)
            await visitor.send(["type": "message", "content": "Hi"])
            let conversation = try #require(await visitor.next("ack")?["conversation_id"] as? String)
            for _ in 0..<20 {
                await visitor.send(["type": "typing_start", "conversation_id": conversation])
                await visitor.send(["type": "typing_stop", "conversation_id": conversation])
            }
            await visitor.send(["type": "ping"])
            _ = await visitor.next("pong")
            var starts = 0
            while let frame = await agent.next(timeout: .milliseconds(500)) {
                if frame["type"] as? String == "typing_start" { starts += 1 }
            }
            #expect(starts >= 1 && starts <= 4, "\(starts) typing_start frames got through")
            await visitor.close()
            await agent.close()
        }
    }
}
