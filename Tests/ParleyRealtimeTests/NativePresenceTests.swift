import Foundation
import ParleyModel
@testable import ParleyRealtime
import Testing

/// Live presence over real sockets (CONTRACT §7): presence frames name the conversation, `init`
/// names the visitor, and REST reads the same presence (a visitor's status, the active visitors,
/// agents' `last_seen`).
@Suite struct NativePresenceTests {
    @Test func presenceFramesNameTheVisitorsOpenConversation() async throws {
        try await RealtimeFixture.withServer { fixture in
            let withChat = try await fixture.visitor("v-1")
            let opened = try await fixture.rest("POST", "/v1/conversations", json: ["site_id": fixture.siteID, "visitor_id": "v-1"], visitor: withChat)
            let conversation = try #require(opened.data["id"] as? String)
            let withoutChat = try await fixture.visitor("v-2")

            var agent = try await fixture.agentSocket()
            let first = try await fixture.visitorSocket("v-1", token: withChat)
            let joined = try #require(await agent.next("user_joined"))
            #expect(joined["visitor_id"] as? String == "v-1")
            #expect(joined["conversation_id"] as? String == conversation)
            let second = try await fixture.visitorSocket("v-2", token: withoutChat)
            let joinedWithout = try #require(await agent.next("user_joined"))
            #expect(joinedWithout["visitor_id"] as? String == "v-2")
            #expect(joinedWithout["conversation_id"] is NSNull, "the key is there, null: no open conversation")

            // The agent goes and comes back (past the grace): each visitor hears of it, with
            // its own conversation.
            await agent.close()
            let left = try #require(await first.next("support_left"))
            #expect(left["agent_id"] as? String == NativeID.format(fixture.owner.id))
            #expect(left["conversation_id"] as? String == conversation)
            #expect(try #require(await second.next("support_left"))["conversation_id"] is NSNull)
            agent = try await fixture.agentSocket()
            let back = try #require(await first.next("support_joined"))
            #expect(back["conversation_id"] as? String == conversation)
            #expect(back["name"] as? String == "ann")
            #expect(try #require(await second.next("support_joined"))["conversation_id"] is NSNull)

            await first.close()
            let gone = try #require(await agent.next("user_left"))
            #expect(gone["visitor_id"] as? String == "v-1")
            #expect(gone["conversation_id"] as? String == conversation)
            await second.close()
            await agent.close()
        }
    }

    @Test func initNamesTheVisitorDurably() async throws {
        try await RealtimeFixture.withServer { fixture in
            let token = try await fixture.visitor("v-1", name: "")
            let visitor = try await fixture.visitorSocket("v-1", token: token)
            await visitor.send(["type": "init", "name": "Vera Lynn"])
            let state = try #require(await visitor.next("state"))
            #expect(state["conversations"] as? [Any] != nil)
            let read = try await fixture.rest("GET", "/v1/visitors/v-1")
            #expect(read.data["name"] as? String == "Vera Lynn")
            // The agents see the new name in what follows (typing names the typist).
            let agent = try await fixture.agentSocket()
            await visitor.send(["type": "message", "content": "Hi"])
            let conversation = try #require(await visitor.next("ack")?["conversation_id"] as? String)
            await visitor.send(["type": "typing_start", "conversation_id": conversation])
            #expect(try #require(await agent.next("typing_start"))["name"] as? String == "Vera Lynn")
            // A bad name is an error frame; the session stays and the name is kept.
            await visitor.send(["type": "init", "name": String(repeating: "x", count: 5000)])
            #expect(try #require(await visitor.next("error"))["code"] as? String == "VALIDATION_ERROR")
            await visitor.send(["type": "init"])
            _ = try #require(await visitor.next("state"))
            #expect(try await fixture.rest("GET", "/v1/visitors/v-1").data["name"] as? String == "Vera Lynn")
            await visitor.close()
            await agent.close()
        }
    }

    @Test func visitorStatusAndTheActiveListFollowLivePresence() async throws {
        try await RealtimeFixture.withServer { fixture in
            let registered = try await fixture.rest(
                "POST", "/v1/visitors",
                json: ["site_id": fixture.siteID, "visitor_id": "v-1", "name": "Vera", "metadata": ["page_url": "https://shop.example/checkout"]])
            let token = try #require(registered.data["session_token"] as? String)
            let opened = try await fixture.rest("POST", "/v1/conversations", json: ["site_id": fixture.siteID, "visitor_id": "v-1"], visitor: token)
            let conversation = try #require(opened.data["id"] as? String)
            _ = try await fixture.rest(
                "POST", "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": "Hello?"], visitor: token)
            // Another visitor with an open conversation but no socket: offline, not active.
            let idle = try await fixture.visitor("v-2")
            _ = try await fixture.rest("POST", "/v1/conversations", json: ["site_id": fixture.siteID, "visitor_id": "v-2"], visitor: idle)

            #expect(try await fixture.rest("GET", "/v1/visitors/v-1").data["status"] as? String == "offline")
            #expect(try await activeVisitors(fixture).isEmpty)

            let socket = try await fixture.visitorSocket("v-1", token: token)
            let connectedAt = Timestamp.now().milliseconds
            let online = try await fixture.rest("GET", "/v1/visitors/v-1")
            #expect(online.data["status"] as? String == "online")
            let lastSeen = try #require((online.data["last_seen"] as? String).flatMap(Timestamp.init(rfc3339:)))
            #expect(lastSeen.milliseconds >= connectedAt - 1000)
            let active = try await activeVisitors(fixture)
            #expect(active.count == 1)
            let item = try #require(active.first)
            #expect(item["visitor_id"] as? String == "v-1")
            #expect(item["id"] as? String == registered.data["id"] as? String)
            #expect(item["status"] as? String == "online")
            #expect(item["conversation_id"] as? String == conversation)
            #expect(item["current_page"] as? String == "https://shop.example/checkout")
            #expect(item["unread_count"] as? Int == 1, "the agent has not read the visitor's message")
            #expect(item["last_message_at"] is String)

            // Closed: online for the grace period, then offline, last seen when it closed.
            await socket.close()
            var status = "online"
            let deadline = ContinuousClock.now + .seconds(5)
            while status == "online", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                status = try await fixture.rest("GET", "/v1/visitors/v-1").data["status"] as? String ?? ""
            }
            #expect(status == "offline")
            let offline = try await fixture.rest("GET", "/v1/visitors/v-1")
            let leftAt = try #require((offline.data["last_seen"] as? String).flatMap(Timestamp.init(rfc3339:)))
            #expect(leftAt.milliseconds >= connectedAt && leftAt.milliseconds <= Timestamp.now().milliseconds)
            #expect(try await activeVisitors(fixture).isEmpty)
        }
    }

    @Test func agentsLastSeenFollowsTheirSockets() async throws {
        try await RealtimeFixture.withServer { fixture in
            let loggedIn = Timestamp.now().milliseconds
            try await Task.sleep(for: .milliseconds(50))
            let socket = try await fixture.agentSocket()
            let online = try #require(try await ownerLastSeen(fixture))
            #expect(online.milliseconds > loggedIn, "now, while a session is open")
            await socket.close()
            // Past the 300 ms grace the agent is offline: last_seen stops moving (the close
            // time, not now). Polled, so a loaded machine only makes it slower.
            var settled: Timestamp?
            let deadline = ContinuousClock.now + .seconds(10)
            while settled == nil, ContinuousClock.now < deadline {
                let first = try await ownerLastSeen(fixture)
                try await Task.sleep(for: .milliseconds(100))
                if let first, try await ownerLastSeen(fixture) == first { settled = first }
            }
            let closed = try #require(settled, "last_seen kept moving: the agent never went offline")
            #expect(closed.milliseconds > loggedIn)
            #expect(closed.milliseconds <= Timestamp.now().milliseconds - 100)
        }
    }

    private func activeVisitors(_ fixture: RealtimeFixture) async throws -> [[String: Any]] {
        let listed = try await fixture.rest("GET", "/v1/visitors/active?site_id=\(fixture.siteID)")
        #expect(listed.status == 200)
        return try #require(listed.data["visitors"] as? [[String: Any]])
    }

    private func ownerLastSeen(_ fixture: RealtimeFixture) async throws -> Timestamp? {
        let listed = try await fixture.rest("GET", "/v1/agents?site_id=\(fixture.siteID)")
        let owner = (listed.data["agents"] as? [[String: Any]])?.first { $0["id"] as? String == NativeID.format(fixture.owner.id) }
        return (owner?["last_seen"] as? String).flatMap(Timestamp.init(rfc3339:))
    }
}
