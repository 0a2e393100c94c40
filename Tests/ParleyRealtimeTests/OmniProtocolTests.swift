import Foundation
import ParleyModel
import ParleyRealtime
import Testing

/// The omni protocol (seed 003, CONTRACT §7): `auth` first, `subscribe`, dotted event names,
/// UUID-form ids; it shares the hub with native sessions.
@Suite struct OmniProtocolTests {
    @Test func anOmniAgentFollowsANativeVisitor() async throws {
        try await RealtimeFixture.withServer { fixture in
            let omni = try await TestSocket.connect(port: fixture.port, path: "/api/v1/ws")
            await omni.send(["type": "auth", "token": "Bearer \(fixture.agentToken)"])
            #expect(await omni.next("auth.ok") != nil)
            await omni.send(["type": "subscribe", "channels": ["conversations", "messages", "weather"]])
            let subscribed = try #require(await omni.next("subscribed"))
            #expect(subscribed["channels"] as? [String] == ["conversations", "messages"])

            // Another omni session authenticates but subscribes to nothing: it gets no events.
            let bystander = try await TestSocket.connect(port: fixture.port, path: "/ws")
            await bystander.send(["type": "auth", "token": "Bearer \(fixture.agentToken)"])
            #expect(await bystander.next("auth.ok") != nil)

            let token = try await fixture.visitor("v-1")
            let visitor = try await fixture.visitorSocket("v-1", token: token)
            await visitor.send(["type": "message", "content": "Hello?"])
            let ack = try #require(await visitor.next("ack"))
            let nativeConversation = try #require(ack["conversation_id"] as? String)
            let conversationID = try #require(NativeID.parse(nativeConversation, as: ConversationID.self))
            let uuid = OmniID.format(conversationID)

            let opened = try #require(await omni.next("conversation.updated"))
            #expect((opened["data"] as? [String: Any])?["status"] as? String == "pending")
            let new = try #require(await omni.next("message.new"))
            let data = try #require(new["data"] as? [String: Any])
            #expect(data["conversation_id"] as? String == uuid)
            #expect(data["sender_type"] as? String == "customer")
            #expect(data["seq"] as? Int == 1)

            // The omni agent types, writes and reads; the native visitor sees each.
            await omni.send(["type": "typing", "conversation_id": uuid])
            #expect(await visitor.next("typing_start") != nil)
            await omni.send(["type": "message", "conversation_id": uuid, "content": "Hi!", "client_message_id": "o-1"])
            let omniAck = try #require(await omni.next("message.ack"))
            #expect((omniAck["data"] as? [String: Any])?["seq"] as? Int == 2)
            #expect((await visitor.next("message")?["message"] as? [String: Any])?["seq"] as? Int == 2)
            await omni.send(["type": "read", "conversation_id": uuid])
            #expect(await visitor.next("read")?["reader"] as? String == "support")

            // And the visitor's typing and read come back as omni events.
            await visitor.send(["type": "typing_start", "conversation_id": NativeID.format(conversationID)])
            #expect((await omni.next("typing.start")?["data"] as? [String: Any])?["sender_type"] as? String == "customer")
            await visitor.send(["type": "read", "conversation_id": NativeID.format(conversationID)])
            #expect((await omni.next("message.read")?["data"] as? [String: Any])?["seq"] as? Int == 2)

            // Native ids are not omni ids.
            await omni.send(["type": "read", "conversation_id": NativeID.format(conversationID)])
            #expect((await omni.next("error")?["data"] as? [String: Any])?["code"] as? String == "VALIDATION_ERROR")
            await bystander.send(["type": "ping"])
            let quiet = await bystander.next()
            #expect(quiet?["type"] as? String == "pong", "an unsubscribed session got \(quiet?.text ?? "nothing")")
            await bystander.close()
            await omni.close()
            await visitor.close()
        }
    }

    @Test func withoutAValidAuthFrameTheSessionCloses4001() async throws {
        try await RealtimeFixture.withServer { fixture in
            let forged = try await TestSocket.connect(port: fixture.port, path: "/ws")
            await forged.send(["type": "auth", "token": "Bearer nope"])
            #expect(await forged.closeCode() == 4001)
            let chatty = try await TestSocket.connect(port: fixture.port, path: "/ws")
            await chatty.send(["type": "subscribe", "channels": ["messages"]])
            #expect(await chatty.closeCode() == 4001)
        }
        try await RealtimeFixture.withServer(realtime: RealtimeConfiguration(authTimeout: .milliseconds(200))) { fixture in
            let silent = try await TestSocket.connect(port: fixture.port, path: "/api/v1/ws")
            #expect(await silent.closeCode() == 4001)
        }
    }
}
