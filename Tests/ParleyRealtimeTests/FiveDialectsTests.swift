import Foundation
import ParleyModel
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One conversation seen through all five REST dialects and both WebSockets (CONTRACT §1):
/// written in each dialect that writes, read in each that reads, with the same messages, the
/// same `seq` and the same status everywhere.
@Suite struct FiveDialectsTests {
    /// Any dialect's answer: the status and the whole JSON body.
    static func call(
        _ fixture: RealtimeFixture, _ method: String, _ path: String, json: [String: Any]? = nil, bearer: String? = nil,
        visitor: String? = nil
    ) async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(fixture.port)\(path)")!)
        request.httpMethod = method
        if let visitor { request.setValue(visitor, forHTTPHeaderField: "X-Visitor-Token") }
        else { request.setValue("Bearer \(bearer ?? fixture.agentToken)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (body, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:])
    }

    /// Reads `socket` until it has carried `count` messages (frames of `type`, the message
    /// under `key`), noting every other frame type it passes.
    static func collect(
        _ socket: TestSocket, _ type: String, key: String, into messages: inout [(seq: Int, content: String)], others: inout Set<String>,
        count: Int
    ) async {
        while messages.count < count, let frame = await socket.next() {
            guard frame["type"] as? String == type else {
                others.insert(frame["type"] as? String ?? "?")
                continue
            }
            if let message = frame[key] as? [String: Any], let seq = message["seq"] as? Int, let content = message["content"] as? String {
                messages.append((seq, content))
            }
        }
    }

    @Test func oneConversationFiveViews() async throws {
        try await RealtimeFixture.withServer { fixture in
            let nativeSocket = try await fixture.agentSocket()
            let omniSocket = try await TestSocket.connect(port: fixture.port, path: "/api/v1/ws")
            await omniSocket.send(["type": "auth", "token": "Bearer \(fixture.agentToken)"])
            #expect(await omniSocket.next("auth.ok") != nil)
            await omniSocket.send(["type": "subscribe", "channels": ["conversations", "messages"]])
            #expect(await omniSocket.next("subscribed") != nil)

            // Native REST: the visitor opens the conversation and writes first.
            let visitorToken = try await fixture.visitor("v-5", name: "Vera")
            let opened = try await Self.call(
                fixture, "POST", "/v1/conversations", json: ["site_id": fixture.siteID, "visitor_id": "v-5"], visitor: visitorToken)
            let native = try #require((opened.json["data"] as? [String: Any])?["id"] as? String)
            let id = try #require(NativeID.parse(native, as: ConversationID.self))
            let uuid = OmniID.format(id)
            let written = try await Self.call(
                fixture, "POST", "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "1 native"],
                visitor: visitorToken)
            #expect(written.status == 201)
            var nativeFrames: [(seq: Int, content: String)] = []
            var omniFrames: [(seq: Int, content: String)] = []
            var nativeOthers: Set<String> = []
            var omniOthers: Set<String> = []
            func carried(_ count: Int) async {
                await Self.collect(nativeSocket, "message", key: "message", into: &nativeFrames, others: &nativeOthers, count: count)
                await Self.collect(omniSocket, "message.new", key: "data", into: &omniFrames, others: &omniOthers, count: count)
            }
            await carried(1)
            // Omni REST, the gateway, the native socket and the omni socket write the rest.
            #expect(try await Self.call(fixture, "POST", "/api/v1/conversations/\(uuid)/messages", json: ["content": "2 omni"]).status == 201)
            await carried(2)
            let gateway = try await Self.call(
                fixture, "POST", "/v1/projects/\(OmniID.format(fixture.site.id))/livechat/conversations/\(uuid)/messages/operator",
                json: ["itemUuid": "item-3", "text": "3 gateway"])
            #expect(gateway.status == 200 && (gateway.json["data"] as? [String: Any])?["seq"] as? Int == 3)
            await carried(3)
            await nativeSocket.send(["type": "message", "conversation_id": native, "content": "4 native socket"])
            await carried(4)
            await omniSocket.send(["type": "message", "conversation_id": uuid, "content": "5 omni socket"])
            await carried(5)
            // Each socket's own write is acknowledged (before or after its echo).
            if !nativeOthers.contains("ack") { #expect(await nativeSocket.next("ack") != nil) }
            if !omniOthers.contains("message.ack") { #expect(await omniSocket.next("message.ack") != nil) }
            let expected = ["1 native", "2 omni", "3 gateway", "4 native socket", "5 omni socket"]

            // Every dialect that reads messages has the same ones in the same order.
            let nativeHistory = try await Self.call(fixture, "GET", "/v1/messages?conversation_id=\(native)")
            let nativeMessages = (nativeHistory.json["data"] as? [String: Any])?["messages"] as? [[String: Any]] ?? []
            #expect(nativeMessages.map { $0["content"] as? String } == expected)
            #expect(nativeMessages.map { $0["seq"] as? Int } == [1, 2, 3, 4, 5])
            let omniHistory = try await Self.call(fixture, "GET", "/api/v1/conversations/\(uuid)/messages")
            let omniMessages = omniHistory.json["data"] as? [[String: Any]] ?? []
            #expect(omniMessages.map { $0["content"] as? String } == expected)
            #expect(omniMessages.map { $0["seq"] as? Int } == [1, 2, 3, 4, 5])
            let transcript = try await Self.call(fixture, "GET", "/v1/chats/\(id.rawValue)/messages")
            let operatorMessages = transcript.json["messages"] as? [[String: Any]] ?? []
            #expect(operatorMessages.map { $0["content"] as? String } == expected)
            #expect(operatorMessages.map { $0["sender_type"] as? String } == ["client", "operator", "operator", "operator", "operator"])
            #expect(operatorMessages.map { $0["message_id"] as? Int } == nativeMessages.compactMap { ($0["id"] as? String).flatMap { NativeID.parse($0, as: MessageID.self) }.map { Int($0.rawValue) } })
            let chat = try await Self.call(fixture, "GET", "/api/shared/v1/chats/\(id.rawValue)")
            let chatData = chat.json["data"] as? [String: Any] ?? [:]
            #expect(chatData["personal"] as? Bool == true && chatData["status"] as? String == "open")
            #expect(chatData["last_message_at"] as? String == nativeMessages.last?["created_at"] as? String)

            // Both sockets carried all five, in order.
            #expect(nativeFrames.map(\.seq) == [1, 2, 3, 4, 5] && nativeFrames.map(\.content) == expected, "\(nativeFrames)")
            #expect(omniFrames.map(\.seq) == [1, 2, 3, 4, 5] && omniFrames.map(\.content) == expected, "\(omniFrames)")

            // A close in one dialect (operators) is a close in all.
            let closed = try await Self.call(fixture, "PATCH", "/v1/chats/\(id.rawValue)", json: ["status": "closed"])
            #expect(closed.status == 200 && closed.json["status"] as? String == "closed")
            let nativeView = try await Self.call(fixture, "GET", "/v1/conversations/\(native)")
            #expect((nativeView.json["data"] as? [String: Any])?["status"] as? String == "closed")
            let omniView = try await Self.call(fixture, "GET", "/api/v1/conversations/\(uuid)")
            #expect((omniView.json["data"] as? [String: Any])?["status"] as? String == "closed")
            let chatView = try await Self.call(fixture, "GET", "/api/shared/v1/chats/\(id.rawValue)")
            #expect((chatView.json["data"] as? [String: Any])?["status"] as? String == "closed")
            var sawClosed = false
            while !sawClosed, let update = await omniSocket.next("conversation.updated") {
                sawClosed = (update["data"] as? [String: Any])?["status"] as? String == "closed"
            }
            #expect(sawClosed)
            let late = try await Self.call(
                fixture, "POST", "/v1/projects/\(OmniID.format(fixture.site.id))/livechat/conversations/\(uuid)/messages/operator",
                json: ["itemUuid": "item-6", "text": "after the close"])
            #expect(late.status == 409, "a closed conversation takes no more messages in any dialect")
            await nativeSocket.close()
            await omniSocket.close()
        }
    }
}
