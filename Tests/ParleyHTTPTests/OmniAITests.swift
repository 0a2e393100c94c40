import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyAI
import ParleyEngine
import ParleyModel
import NIOCore
import ParleyServer
import ParleyStorage
import ParleyTestSupport
import Testing

/// AI over HTTP (omni): settings with write-only keys, answers grounded in the knowledge base,
/// a hosted provider reached through a stand-in, and automatic answers counted as `from_ai`.
@Suite struct OmniAITests {
    /// The returns policy in the knowledge base, and a customer's conversation asking `question`.
    static func conversation(
        _ fixture: APIFixture, _ client: some TestClientProtocol, token: String, question: String
    ) async throws -> (omni: String, native: String, session: String) {
        let upload = try await OmniKnowledgeTests.upload(
            client, try OmniKnowledgeTests.sample("returns.pdf"), name: "returns.pdf", fields: ["title": "Политика возврата"], bearer: token)
        #expect(upload.status == .created)
        let site = NativeID.format(try #require(fixture.server.broker.store.read { $0.sites.keys.min() }))
        let visitor = "v-\(UUID().uuidString.prefix(6))"
        let (_, session) = try await client.registerVisitor(site: site, id: visitor)
        let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": site, "visitor_id": visitor], visitor: session)
        let native = try #require(opened.data["id"] as? String)
        let sent = try await client.call(.post, "/v1/messages", json: ["conversation_id": native, "type": "text", "content": question], visitor: session)
        #expect(sent.status == .created || sent.status == .ok)
        let omni = OmniID.format(try #require(NativeID.parse(native, as: ConversationID.self)))
        return (omni, native, session)
    }

    @Test func settingsKeepKeysWriteOnly() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (_, token, _, agentToken) = try await fixture.shopRivalAndAgent(client)
            let defaults = try await client.call(.get, "/api/v1/ai/settings", bearer: agentToken)
            #expect(defaults.data["provider"] as? String == "local" && defaults.data["auto_respond"] as? Bool == false)
            #expect(defaults.data["confidence_threshold"] as? Double == 0.8 && defaults.data["api_keys_configured"] as? [String] == [])

            let saved = try await client.call(
                .put, "/api/v1/ai/settings",
                json: ["provider": "anthropic", "api_key": "sk-ant-secret", "temperature": 0.2, "system_prompt": "Ты помощник.",
                    "api_keys": ["openai": "sk-openai-secret"]], bearer: token)
            #expect(saved.status == .ok)
            #expect(saved.data["provider"] as? String == "anthropic" && saved.data["model"] as? String == "claude-sonnet-4-5")
            #expect(saved.data["api_keys_configured"] as? [String] == ["anthropic", "openai"])
            let read = try await client.call(.get, "/api/v1/ai/settings", bearer: token)
            let text = String(decoding: try JSONSerialization.data(withJSONObject: read.json), as: UTF8.self)
            #expect(!text.contains("sk-ant-secret") && !text.contains("sk-openai-secret"), "keys are never shown")
            #expect(read.data["temperature"] as? Double == 0.2 && read.data["system_prompt"] as? String == "Ты помощник.")

            // Removing a key; who may change the settings; what is refused.
            let removed = try await client.call(.put, "/api/v1/ai/settings", json: ["api_keys": ["openai": ""]], bearer: token)
            #expect(removed.data["api_keys_configured"] as? [String] == ["anthropic"])
            #expect(try await client.call(.put, "/api/v1/ai/settings", json: ["temperature": 1], bearer: agentToken).status == .forbidden)
            for bad: [String: Any] in [
                ["provider": "skynet"], ["temperature": 3], ["confidence_threshold": -0.1], ["provider": "yandex", "model": "yandexgpt"],
                ["api_keys": ["local": "x"]], ["api_key": "has space"],
            ] {
                #expect(try await client.call(.put, "/api/v1/ai/settings", json: bad, bearer: token).status == .unprocessableContent, "\(bad)")
            }
        }
    }

    @Test func localAnswersAreGroundedInTheKnowledgeBase() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (_, token, rivalToken, _) = try await fixture.shopRivalAndAgent(client)
            let (conversation, _, _) = try await Self.conversation(fixture, client, token: token, question: "Какие товары нельзя вернуть?")
            let answer = try await client.call(.post, "/api/v1/ai/generate", json: ["conversation_id": conversation, "context_messages": 10], bearer: token)
            #expect(answer.status == .ok)
            #expect((answer.data["response"] as? String)?.contains("Нельзя вернуть нижнее бельё") == true, "\(answer.json)")
            #expect(answer.data["provider"] as? String == "local")
            let confidence = try #require(answer.data["confidence"] as? Double)
            #expect(confidence > 0.5 && confidence <= 1)
            let source = try #require((answer.data["sources"] as? [[String: Any]])?.first)
            #expect(source["title"] as? String == "Политика возврата" && (source["relevance"] as? Double ?? 0) > 0.5)

            // A question the base cannot answer: no answer rather than a guess.
            let (offTopic, _, _) = try await Self.conversation(fixture, client, token: token, question: "Какая погода на Марсе?")
            let none = try await client.call(.post, "/api/v1/ai/generate", json: ["conversation_id": offTopic], bearer: token)
            #expect(none.status == .ok && none.data["response"] is NSNull && none.data["confidence"] as? Double == 0)
            #expect((none.data["sources"] as? [Any])?.isEmpty == true)

            #expect(try await client.call(.post, "/api/v1/ai/generate", json: ["conversation_id": conversation], bearer: rivalToken).status == .notFound)
            let badCount = try await client.call(.post, "/api/v1/ai/generate", json: ["conversation_id": conversation, "context_messages": 0], bearer: token)
            #expect(badCount.status == .unprocessableContent)
        }
    }

    @Test func hostedProvidersThroughTheirAPIs() async throws {
        let standIn = WebhookReceiver()
        try await standIn.serve { port in
            let ai = AIConfiguration(endpoints: [.openai: "http://127.0.0.1:\(port)"], timeout: .seconds(2))
            try await APIFixture.withAPI(ai: ai) { fixture, client in
                let (_, token, _, _) = try await fixture.shopRivalAndAgent(client)
                let (conversation, _, _) = try await Self.conversation(fixture, client, token: token, question: "Как оформить возврат?")
                // A provider without a key is a settings problem.
                _ = try await client.call(.put, "/api/v1/ai/settings", json: ["provider": "openai"], bearer: token)
                let unconfigured = try await client.call(.post, "/api/v1/ai/generate", json: ["conversation_id": conversation], bearer: token)
                #expect(unconfigured.status == .conflict && unconfigured.json["code"] as? String == "AI_NOT_CONFIGURED")

                _ = try await client.call(.put, "/api/v1/ai/settings", json: ["api_key": "sk-test"], bearer: token)
                standIn.script([.json(200, #"{"choices":[{"message":{"role":"assistant","content":"Напишите номер заказа в чат."}}]}"#)])
                let answer = try await client.call(.post, "/api/v1/ai/generate", json: ["conversation_id": conversation], bearer: token)
                #expect(answer.status == .ok && answer.data["response"] as? String == "Напишите номер заказа в чат.")
                #expect(answer.data["provider"] as? String == "openai" && (answer.data["confidence"] as? Double ?? 0) > 0.3)
                // The model got the passages in its system text and the customer's words as a user turn.
                let sent = try #require(standIn.received.last?.json["messages"] as? [[String: Any]])
                #expect((sent.first?["content"] as? String)?.contains("Курьер заберёт посылку бесплатно") == true)
                #expect(sent.last?["role"] as? String == "user" && sent.last?["content"] as? String == "Как оформить возврат?")

                standIn.script([.json(429, #"{"error":{"message":"quota"}}"#, headers: ["Retry-After": "12"])])
                let limited = try await client.call(.post, "/api/v1/ai/generate", json: ["conversation_id": conversation], bearer: token)
                #expect(limited.status == .tooManyRequests && limited.json["code"] as? String == "AI_PROVIDER_RATE_LIMITED")
                standIn.script([.hang(.seconds(4))])
                let slow = try await Self.generate(client, conversation, token: token)
                #expect(slow.status == .gatewayTimeout && slow.json["code"] as? String == "AI_PROVIDER_TIMEOUT")
                standIn.script([.json(200, "not json")])
                let malformed = try await Self.generate(client, conversation, token: token)
                #expect(malformed.status == .badGateway && malformed.json["code"] as? String == "AI_PROVIDER_ERROR")
            }
        }
    }

    @Test func automaticAnswersAreBotMessagesCountedAsFromAI() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (_, token, _, _) = try await fixture.shopRivalAndAgent(client)
            let on = try await client.call(.put, "/api/v1/ai/settings", json: ["auto_respond": true, "confidence_threshold": 0.5], bearer: token)
            #expect(on.data["auto_respond"] as? Bool == true && on.data["bot_user_id"] is String)
            let (conversation, native, session) = try await Self.conversation(fixture, client, token: token, question: "Какие товары нельзя вернуть?")
            let id = try #require(NativeID.parse(native, as: ConversationID.self))
            let answered = try await poll { fixture.server.broker.store.read { $0.conversations[id]?.messageCount ?? 0 } >= 2 }
            #expect(answered)
            let last = try #require(fixture.server.broker.store.read { $0.conversations[id]?.lastMessage })
            guard case .bot = last.sender else { Issue.record("sent as \(last.sender)"); return }
            #expect(last.content.contains("Нельзя вернуть нижнее бельё"))
            let messages = try await client.call(.get, "/api/v1/conversations/\(conversation)/messages", bearer: token)
            #expect((messages.json["data"] as? [[String: Any]])?.last?["sender_type"] as? String == "bot")
            let stats = try await client.call(.get, "/api/v1/analytics/stats", bearer: token)
            #expect((stats.data["messages"] as? [String: Any])?["from_ai"] as? Int == 1)

            // Below the threshold: nothing is sent.
            let quiet = try await client.call(.post, "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "Какая погода на Марсе?"], visitor: session)
            #expect(quiet.status == .created || quiet.status == .ok)
            try await Task.sleep(for: .milliseconds(300))
            #expect(fixture.server.broker.store.read { $0.conversations[id]?.messageCount } == 3)
        }
    }

    /// `POST /ai/generate`, whose provider failures are 5xx by design (``call`` refuses those).
    static func generate(_ client: some TestClientProtocol, _ conversation: String, token: String) async throws -> Envelope {
        try await client.execute(
            uri: "/api/v1/ai/generate", method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: ByteBuffer(string: #"{"conversation_id":"\#(conversation)"}"#)
        ) { try Envelope($0) }
    }

    func poll(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}
