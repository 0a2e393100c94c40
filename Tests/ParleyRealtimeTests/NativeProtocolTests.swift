import Foundation
import ParleyModel
@testable import ParleyRealtime
import Testing

/// The native protocol (seed 004 §12, CONTRACT §7) over real sockets against the real server.
@Suite struct NativeProtocolTests {
    @Test func agentsGetTheAnalysisOfACustomerMessage() async throws {
        try await RealtimeFixture.withServer { fixture in
            let agent = try await fixture.agentSocket()
            let token = try await fixture.visitor("v-9")
            let visitor = try await fixture.visitorSocket("v-9", token: token)
            await visitor.send(["type": "message", "content": "I'm interested in your premium plan but the price seems a bit high"])
            let ack = try #require(await visitor.next("ack"))
            let event = try #require(await agent.next("analysis"))
            #expect(event["from"] as? String == "visitor" && event["conversation_id"] as? String == ack["conversation_id"] as? String)
            #expect(event["message_id"] as? String == ack["message_id"] as? String)
            let analysis = try #require(event["analysis"] as? [String: Any])
            #expect(analysis["intent"] as? String == "pricing_question" || analysis["intent"] as? String == "purchase_inquiry")
            #expect(analysis["objection"] as? String == "Price concern")
            #expect((analysis["keywords"] as? [String])?.contains("premium plan") == true)
            #expect(analysis["suggested_reply"] is String && analysis["next_action"] is String)
            // Visitors never get it.
            #expect(await visitor.next("analysis", timeout: .milliseconds(300)) == nil)
        }
    }

    @Test func aConversationOverWebSockets() async throws {
        try await RealtimeFixture.withServer { fixture in
            let agent = try await fixture.agentSocket()
            let token = try await fixture.visitor("v-1")
            let visitor = try await fixture.visitorSocket("v-1", token: token)

            // Presence: the agent learns that the visitor came online.
            let joined = try #require(await agent.next("user_joined"))
            #expect(joined["visitor_id"] as? String == "v-1")

            // The visitor writes without a conversation id: its conversation is opened.
            await visitor.send(["type": "message", "content": "Hello?", "client_message_id": "c-1"])
            let ack = try #require(await visitor.next("ack"))
            #expect(ack["seq"] as? Int == 1)
            #expect(ack["client_message_id"] as? String == "c-1")
            let conversation = try #require(ack["conversation_id"] as? String)
            let delivered = try #require(await agent.next("message"))
            #expect(delivered["from"] as? String == "visitor")
            #expect(delivered["conversation_id"] as? String == conversation)
            #expect((delivered["message"] as? [String: Any])?["content"] as? String == "Hello?")

            // A resend with the same client id is acked again, without a second message.
            await visitor.send(["type": "message", "content": "Hello?", "client_message_id": "c-1"])
            let again = try #require(await visitor.next("ack"))
            #expect(again["message_id"] as? String == ack["message_id"] as? String)

            // Typing goes to the other side and stops by itself when the typist writes.
            await agent.send(["type": "typing_start", "conversation_id": conversation])
            let typing = try #require(await visitor.next("typing_start"))
            #expect(typing["agent_id"] as? String == NativeID.format(fixture.owner.id))
            await agent.send(["type": "message", "conversation_id": conversation, "content": "Hi Vera"])
            // (typing_stop and the message travel separately: either may come first)
            var replySeq: Int?
            var stopped = false
            while replySeq == nil || !stopped, let frame = await visitor.next() {
                if frame["type"] as? String == "typing_stop" { stopped = true }
                if frame["type"] as? String == "message" { replySeq = (frame["message"] as? [String: Any])?["seq"] as? Int }
            }
            #expect(stopped)
            #expect(replySeq == 2)

            // A read frame moves the cursor; the other side gets a receipt.
            await visitor.send(["type": "read", "conversation_id": conversation])
            let receipt = try #require(await agent.next("read"))
            #expect(receipt["seq"] as? Int == 2)
            #expect(receipt["reader"] as? String == "visitor")

            // get_state: conversations with unread counts and presence.
            await agent.send(["type": "get_state"])
            let state = try #require(await agent.next("state"))
            let conversations = try #require(state["conversations"] as? [[String: Any]])
            #expect(conversations.first?["last_seq"] as? Int == 2)
            #expect(conversations.first?["unread_count"] as? Int == 1, "the agent has not read the visitor's message")
            #expect((state["presence"] as? [String: Any])?["visitors_online"] as? [String] == ["v-1"])

            // The visitor leaves; after the grace period the agent hears of it.
            await visitor.close()
            let left = try #require(await agent.next("user_left", timeout: .seconds(5)))
            #expect(left["visitor_id"] as? String == "v-1")
            await agent.close()
        }
    }

    @Test func agentPresenceReachesVisitorsWithoutFlapping() async throws {
        // A grace long enough that a reconnect on a loaded 2-core runner stays inside it.
        try await RealtimeFixture.withServer(realtime: RealtimeConfiguration(presenceGrace: .seconds(3))) { fixture in
            let token = try await fixture.visitor("v-1")
            let visitor = try await fixture.visitorSocket("v-1", token: token)
            var agent = try await fixture.agentSocket()
            let joined = try #require(await visitor.next("support_joined"))
            #expect(joined["agent_id"] as? String == NativeID.format(fixture.owner.id))
            #expect(joined["name"] as? String == "ann")
            // A reload inside the grace period: no support_left, no second support_joined.
            await agent.close()
            _ = await agent.closeCode()
            agent = try await fixture.agentSocket()
            // Past the grace period, the frames the visitor got since then hold no flap. (An
            // error frame — typing without a conversation — marks where to stop reading.)
            try await Task.sleep(for: .milliseconds(3300))
            await visitor.send(["type": "typing_start"])
            var seen: [String] = []
            while let frame = await visitor.next(), let type = frame["type"] as? String, type != "error" { seen.append(type) }
            #expect(!seen.contains("support_left") && !seen.contains("support_joined"), "\(seen)")
            await agent.close()
            let left = try #require(await visitor.next("support_left", timeout: .seconds(10)))
            #expect(left["agent_id"] as? String == NativeID.format(fixture.owner.id))
            await visitor.send(["type": "init", "name": "Vera"])
            let state = try #require(await visitor.next("state"))
            #expect((state["presence"] as? [String: Any])?["agents_online"] as? [String] == [])
            await visitor.close()
        }
    }

    @Test func typingStartAndStopFramesReachTheOtherSide() async throws {
        try await RealtimeFixture.withServer { fixture in
            let agent = try await fixture.agentSocket()
            let token = try await fixture.visitor("v-1")
            let visitor = try await fixture.visitorSocket("v-1", token: token)
            await visitor.send(["type": "message", "content": "Hi"])
            let conversation = try #require(await visitor.next("ack")?["conversation_id"] as? String)
            await visitor.send(["type": "typing_start", "conversation_id": conversation])
            let start = try #require(await agent.next("typing_start"))
            #expect(start["visitor_id"] as? String == "v-1")
            #expect(start["name"] as? String == "Vera")
            await visitor.send(["type": "typing_stop", "conversation_id": conversation])
            let stop = try #require(await agent.next("typing_stop"))
            #expect(stop["conversation_id"] as? String == conversation)
            // Disconnecting while typing stops it at once, not after the 6 s timeout.
            await visitor.send(["type": "typing_start", "conversation_id": conversation])
            _ = try #require(await agent.next("typing_start"))
            await visitor.close()
            #expect(await agent.next("typing_stop", timeout: .seconds(2)) != nil)
            await agent.close()
        }
    }

    /// A visitor session remembers the conversation it last wrote to by id; naming another
    /// visitor's conversation after that is still refused, and its own still accepted.
    @Test func aVisitorCannotWriteToAnotherVisitorsConversation() async throws {
        try await RealtimeFixture.withServer { fixture in
            let first = try await fixture.visitorSocket("v-1", token: try await fixture.visitor("v-1"))
            let second = try await fixture.visitorSocket("v-2", token: try await fixture.visitor("v-2"))
            await first.send(["type": "message", "content": "Hi"])
            let own = try #require(await first.next("ack")?["conversation_id"] as? String)
            await second.send(["type": "message", "content": "Hello"])
            let other = try #require(await second.next("ack")?["conversation_id"] as? String)
            await first.send(["type": "message", "conversation_id": own, "content": "again"])
            #expect(await first.next("ack")?["conversation_id"] as? String == own)
            await first.send(["type": "message", "conversation_id": other, "content": "intrusion"])
            #expect(await first.next("error")?["code"] as? String == "NOT_FOUND")
            await first.send(["type": "message", "conversation_id": own, "content": "and again"])
            let ack = try #require(await first.next("ack"))
            #expect(ack["conversation_id"] as? String == own)
            #expect(ack["seq"] as? Int == 3)
            await first.close()
            await second.close()
        }
    }

    @Test func badFramesGetAnErrorFrameAndTheSessionStays() async throws {
        try await RealtimeFixture.withServer { fixture in
            let agent = try await fixture.agentSocket()
            await agent.sendText("{not json")
            #expect(await agent.next("error")?["code"] as? String == "VALIDATION_ERROR")
            await agent.send(["type": "teleport"])
            #expect(await agent.next("error")?["code"] as? String == "UNKNOWN_TYPE")
            await agent.sendBinary([1, 2, 3])
            #expect(await agent.next("error")?["code"] as? String == "BAD_FRAME")
            await agent.send(["type": "message", "conversation_id": "conv_999", "content": "x"])
            #expect(await agent.next("error")?["code"] as? String == "NOT_FOUND")
            // conv_0 is well formed and names nothing; conv_01 is malformed (CONTRACT §7).
            await agent.send(["type": "typing_start", "conversation_id": "conv_0"])
            #expect(await agent.next("error")?["code"] as? String == "NOT_FOUND")
            await agent.send(["type": "read", "conversation_id": "conv_01"])
            #expect(await agent.next("error")?["code"] as? String == "VALIDATION_ERROR")
            await agent.send(["type": "ping"])
            #expect(await agent.next("pong") != nil)
            await agent.close()
        }
    }

    @Test func badCredentialsClose1008() async throws {
        try await RealtimeFixture.withServer { fixture in
            let forged = try await TestSocket.connect(
                port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=support&token=eyJhbGciOiJub25lIn0.e30.")
            #expect(await forged.closeCode() == 1008)
            let token = try await fixture.visitor("v-2")
            let wrongVisitor = try await TestSocket.connect(
                port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=visitor&token=\(token)&visitor_id=someone-else")
            #expect(await wrongVisitor.closeCode() == 1008)
        }
    }

    /// Browsers send the page's origin: a widget on another site is refused; same-origin pages
    /// and non-browser clients (whose `Origin` proves nothing) are not.
    @Test func originDecisions() {
        #expect(BrowserOrigin.origin("https://shop.example", matches: "https://shop.example"))
        #expect(BrowserOrigin.origin("HTTPS://Shop.Example/", matches: "https://shop.example"))
        #expect(!BrowserOrigin.origin("https://evil.example", matches: "https://shop.example"))
        #expect(!BrowserOrigin.origin("http://shop.example", matches: "https://shop.example"))
        #expect(BrowserOrigin.origin("https://shop.example", matches: "shop.example"))
        #expect(RealtimeGateway.origin("http://127.0.0.1:8080", isSameAs: "127.0.0.1:8080"))
        #expect(!RealtimeGateway.origin("http://127.0.0.1:9", isSameAs: "127.0.0.1:8080"))
        #expect(RealtimeGateway.isBrowserOrigin("https://evil.example"))
        #expect(!RealtimeGateway.isBrowserOrigin("ws://127.0.0.1"))
        // What a channel may list, canonically; and what it allows.
        #expect(BrowserOrigin.canonical("HTTPS://Shop.Example/") == "https://shop.example")
        #expect(BrowserOrigin.canonical("http://localhost:3000") == "http://localhost:3000")
        #expect(BrowserOrigin.canonical("http://[::1]:8080") == "http://[::1]:8080")
        for bad in ["shop.example", "ftp://shop.example", "https://", "https://shop.example/path", "https://a b",
                    "https://shop.example:0", "https://shop.example:99999", "https://user@shop.example", "javascript:alert(1)"] {
            #expect(BrowserOrigin.canonical(bad) == nil, "\(bad)")
        }
        let site = Site(id: SiteID(1), name: "S", domain: "", publicKey: "pk", secretKey: "sk", createdAt: Timestamp(milliseconds: 0))
        #expect(WidgetChannel.initial(for: site).allows(origin: "https://anything.example"), "none listed: any origin")
        let listed = WidgetChannel(siteID: site.id, name: "w", allowedOrigins: ["https://shop.example"], updatedAt: site.createdAt)
        #expect(listed.allows(origin: "https://shop.example") && !listed.allows(origin: "https://evil.example"))
    }

    @Test func anOversizedFrameCloses1009() async throws {
        try await RealtimeFixture.withServer { fixture in
            let agent = try await TestSocket.connect(
                port: fixture.port, path: "/ws?site_id=\(fixture.siteID)&role=support&token=\(fixture.agentToken)",
                maxFrame: 1 << 20)
            await agent.sendText(String(repeating: "x", count: 70_000))
            #expect(await agent.closeCode() == 1009)
        }
    }

    /// The sender's ack comes from the session (after the send returns) or from the hub (in front
    /// of the session's copy of the message): either way exactly one ack and one copy per message.
    @Test func everySendIsAcknowledgedOnceAndEchoedOnce() async throws {
        try await RealtimeFixture.withServer { fixture in
            let token = try await fixture.visitor("v-1")
            let visitor = try await fixture.visitorSocket("v-1", token: token)
            let count = 60
            var acks: [Int] = []
            var copies: [Int] = []
            for n in 0..<count {
                await visitor.send(["type": "message", "content": "m\(n)"])
                while acks.count <= n, let frame = await visitor.next() {
                    switch frame["type"] as? String {
                    case "ack": acks.append(frame["seq"] as? Int ?? -1)
                    case "message": copies.append((frame["message"] as? [String: Any])?["seq"] as? Int ?? -1)
                    default: break
                    }
                }
            }
            while copies.count < count, let frame = await visitor.next(timeout: .seconds(2)) {
                if frame["type"] as? String == "ack" { acks.append(frame["seq"] as? Int ?? -1) }
                if frame["type"] as? String == "message" { copies.append((frame["message"] as? [String: Any])?["seq"] as? Int ?? -1) }
            }
            // Nothing more is on its way.
            while let frame = await visitor.next(timeout: .milliseconds(300)) {
                if frame["type"] as? String == "ack" { acks.append(frame["seq"] as? Int ?? -1) }
                if frame["type"] as? String == "message" { copies.append((frame["message"] as? [String: Any])?["seq"] as? Int ?? -1) }
            }
            #expect(acks == Array(1...count))
            #expect(copies == Array(1...count))
            await visitor.close()
        }
    }
}
