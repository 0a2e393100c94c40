import Foundation
import ParleyModel
@testable import ParleyRealtime
import Testing

/// The widget over real sockets: the visitor WebSocket follows the widget channel's
/// `allowed_origins`, and a message sent through the widget API reaches the agents on both
/// WebSocket protocols.
@Suite struct WidgetRealtimeTests {
    @Test func theVisitorSocketFollowsTheChannelsOrigins() async throws {
        try await RealtimeFixture.withServer { fixture in
            let session = "browser-session-0001"
            let started = try await fixture.rest(
                "POST", "/widget/v1/init", json: ["api_key": fixture.site.publicKey, "session_id": session],
                headers: ["Origin": "https://shop.example"])
            #expect(started.status == 201)
            let token = try #require(started.data["session_token"] as? String)
            let path = "/ws?site_id=\(fixture.siteID)&role=visitor&token=\(token)&visitor_id=\(session)"
            // Initially the site's domain is the one allowed origin.
            let fromShop = try await RealtimeFixture.ready(TestSocket.connect(port: fixture.port, path: path, headers: ["Origin": "https://shop.example"]))
            await fromShop.close()
            // (Refusals are read with the raw client: it has a read timeout.)
            let elsewhere = try await RawWebSocket.connect(port: fixture.port, path: path, headers: ["Origin": "https://customer.example"])
            #expect(await elsewhere.closeCode() == 1008)
            elsewhere.close()

            // The site's widget channel: the channel UUID of the site's own number.
            let channel = OmniID.format(Identifier<ChannelKind>(fixture.site.id.rawValue))
            // Listed: that origin only. Emptied: any origin.
            let listed = try await fixture.rest("PUT", "/api/v1/channels/\(channel)", json: ["config": ["allowed_origins": ["https://customer.example"]]])
            #expect(listed.status == 200)
            let nowAllowed = try await RealtimeFixture.ready(
                TestSocket.connect(port: fixture.port, path: path, headers: ["Origin": "https://customer.example"]))
            await nowAllowed.close()
            let shopNow = try await RawWebSocket.connect(port: fixture.port, path: path, headers: ["Origin": "https://shop.example"])
            #expect(await shopNow.closeCode() == 1008)
            shopNow.close()
            _ = try await fixture.rest("PUT", "/api/v1/channels/\(channel)", json: ["config": ["allowed_origins": []]])
            let anywhere = try await RealtimeFixture.ready(
                TestSocket.connect(port: fixture.port, path: path, headers: ["Origin": "https://anywhere.example"]))
            await anywhere.close()
        }
    }

    @Test func aWidgetMessageReachesBothProtocols() async throws {
        try await RealtimeFixture.withServer { fixture in
            let native = try await fixture.agentSocket()
            let omni = try await TestSocket.connect(port: fixture.port, path: "/api/v1/ws")
            await omni.send(["type": "auth", "token": "Bearer \(fixture.agentToken)"])
            #expect(await omni.next("auth.ok") != nil)
            await omni.send(["type": "subscribe", "channels": ["messages"]])
            #expect(await omni.next("subscribed") != nil)

            let session = "browser-session-0002"
            _ = try await fixture.rest("POST", "/widget/v1/init", json: ["api_key": fixture.site.publicKey, "session_id": session, "name": "Wid"])
            let sent = try await fixture.rest(
                "POST", "/widget/v1/messages", json: ["api_key": fixture.site.publicKey, "session_id": session, "content": "From the widget"])
            #expect(sent.status == 201)
            let uuid = try #require(sent.data["conversation_id"] as? String)

            let onNative = try #require(await native.next("message"))
            #expect(onNative["from"] as? String == "visitor")
            #expect((onNative["message"] as? [String: Any])?["content"] as? String == "From the widget")
            #expect(onNative["conversation_id"] as? String == NativeID.format(try #require(OmniID.parse(uuid, as: ConversationID.self))))
            let onOmni = try #require(await omni.next("message.new"))
            #expect((onOmni["data"] as? [String: Any])?["conversation_id"] as? String == uuid)
            #expect((onOmni["data"] as? [String: Any])?["sender_type"] as? String == "customer")
            await native.close()
            await omni.close()
        }
    }
}
