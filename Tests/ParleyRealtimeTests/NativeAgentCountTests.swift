import Foundation
import ParleyRealtime
import ParleyServer
import Testing

/// `Hub.hasNativeAgents` lets the analysis publisher skip all work while no native agent could
/// receive an `analysis` event; the count behind it must follow sessions in and out exactly.
@Suite struct NativeAgentCountTests {
    @Test func onlyOpenNativeAgentSessionsCount() async throws {
        try await RealtimeFixture.withServer { fixture in
            let hub = fixture.server.hub
            #expect(!hub.hasNativeAgents)

            // A native visitor and an omni agent are in the hub, but neither is a native agent.
            let visitor = try await fixture.visitorSocket("v-count", token: fixture.visitor("v-count"))
            let omni = try await TestSocket.connect(port: fixture.port, path: "/api/v1/ws")
            await omni.send(["type": "auth", "token": "Bearer \(fixture.agentToken)"])
            #expect(await omni.next("auth.ok") != nil)
            try await Self.waitFor(sessions: 2, in: hub)
            #expect(!hub.hasNativeAgents)

            let first = try await fixture.agentSocket()
            let second = try await fixture.agentSocket()
            #expect(hub.hasNativeAgents)

            // One of two agents leaves: the other still counts.
            await first.close()
            try await Self.waitFor(sessions: 3, in: hub)
            #expect(hub.hasNativeAgents)

            await second.close()
            try await Self.waitFor(sessions: 2, in: hub)
            #expect(!hub.hasNativeAgents)

            // A later agent counts again (the count did not go below zero).
            let third = try await fixture.agentSocket()
            #expect(hub.hasNativeAgents)
            await third.close()
            await omni.close()
            await visitor.close()
            try await Self.waitFor(sessions: 0, in: hub)
            #expect(!hub.hasNativeAgents)
        }
    }

    /// Waits (bounded) until the hub holds exactly `sessions` sessions.
    private static func waitFor(sessions: Int, in hub: Hub) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while hub.sessionCount != sessions, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(hub.sessionCount == sessions)
    }
}
