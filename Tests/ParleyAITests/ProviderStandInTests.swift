import Foundation
import ParleyAI
import ParleyModel
import ParleyTestSupport
import Testing

/// Each hosted provider's client against a stand-in on 127.0.0.1 that speaks its wire format:
/// the request as the provider documents it, a success, 429, a timeout, a malformed answer,
/// a refused key, and an address where nothing listens.
@Suite struct ProviderStandInTests {
    static let prompt = Prompt(
        system: "Be brief.", turns: [.init(role: .user, text: "Где мой заказ?"), .init(role: .assistant, text: "Уточню."),
            .init(role: .user, text: "Спасибо")], model: "test-model", temperature: 0.3, maxTokens: 64)

    static func configuration(_ port: Int, timeout: Duration = .seconds(5)) -> AIConfiguration {
        let base = "http://127.0.0.1:\(port)"
        return AIConfiguration(
            endpoints: [.anthropic: base, .openai: base, .yandex: base, .sber: base], sberAuthEndpoint: base, timeout: timeout)
    }

    static let success: [AIProvider: String] = [
        .anthropic: #"{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"Заказ в пути."}],"stop_reason":"end_turn"}"#,
        .openai: #"{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Заказ в пути."},"finish_reason":"stop"}]}"#,
        .yandex: #"{"result":{"alternatives":[{"message":{"role":"assistant","text":"Заказ в пути."},"status":"ALTERNATIVE_STATUS_FINAL"}],"modelVersion":"1"}}"#,
        .sber: #"{"choices":[{"index":0,"message":{"role":"assistant","content":"Заказ в пути."},"finish_reason":"stop"}],"object":"chat.completion"}"#,
    ]
    static let sberToken = #"{"access_token":"giga-token","expires_at":1999999999000}"#

    static func complete(_ provider: AIProvider, _ configuration: AIConfiguration) async throws(AIError) -> String {
        let settings = AISettings(
            siteID: SiteID(1), provider: provider, model: provider == .yandex ? "gpt://b1g/yandexgpt/latest" : "test-model",
            temperature: 0.3, systemPrompt: "Be brief.", apiKeys: [provider: "key-\(provider.name)"], updatedAt: .now())
        var prompt = Self.prompt
        prompt.model = settings.model
        return try await Assistant.complete(settings: settings, prompt: prompt, configuration: configuration)
    }

    @Test(arguments: [AIProvider.anthropic, .openai, .yandex, .sber])
    func successSpeaksTheProvidersFormat(_ provider: AIProvider) async throws {
        let standIn = WebhookReceiver()
        standIn.script((provider == .sber ? [.json(200, Self.sberToken)] : []) + [.json(200, Self.success[provider]!)])
        let reply = try await standIn.serve { port in try await Self.complete(provider, Self.configuration(port)) }
        #expect(reply == "Заказ в пути.")
        let requests = standIn.received
        let chat = try #require(requests.last)
        let json = chat.json
        switch provider {
        case .anthropic:
            #expect(chat.path == "/v1/messages" && chat.headers["x-api-key"] == "key-anthropic" && chat.headers["anthropic-version"] != nil)
            #expect(json["system"] as? String == "Be brief." && json["model"] as? String == "test-model" && json["max_tokens"] as? Int == 64)
            #expect((json["messages"] as? [[String: Any]])?.map { $0["role"] as? String } == ["user", "assistant", "user"])
        case .openai:
            #expect(chat.path == "/v1/chat/completions" && chat.headers["authorization"] == "Bearer key-openai")
            #expect((json["messages"] as? [[String: Any]])?.first?["role"] as? String == "system")
        case .yandex:
            #expect(chat.path == "/foundationModels/v1/completion" && chat.headers["authorization"] == "Api-Key key-yandex")
            #expect(json["modelUri"] as? String == "gpt://b1g/yandexgpt/latest")
            #expect((json["messages"] as? [[String: Any]])?.last?["text"] as? String == "Спасибо")
        case .sber:
            #expect(requests.count == 2 && requests[0].path == "/api/v2/oauth" && requests[0].headers["authorization"] == "Basic key-sber")
            #expect(requests[0].headers["rquid"] != nil && String(decoding: requests[0].body, as: UTF8.self) == "scope=GIGACHAT_API_PERS")
            #expect(chat.path == "/api/v1/chat/completions" && chat.headers["authorization"] == "Bearer giga-token")
        case .local: break
        }
    }

    @Test(arguments: [AIProvider.anthropic, .openai, .yandex, .sber])
    func failuresSayWhatHappened(_ provider: AIProvider) async throws {
        let token: [WebhookReceiver.Answer] = provider == .sber ? [.json(200, Self.sberToken)] : []
        let standIn = WebhookReceiver()
        try await standIn.serve { port in
            standIn.script(token + [.json(429, #"{"error":{"message":"slow down"}}"#, headers: ["Retry-After": "7"])])
            await #expect(throws: AIError.rateLimited(provider.name, retryAfter: 7)) { try await Self.complete(provider, Self.configuration(port)) }
            standIn.script(token + [.json(200, #"{"unexpected":true}"#)])
            do {
                _ = try await Self.complete(provider, Self.configuration(port))
                Issue.record("a malformed answer was taken")
            } catch {
                guard case .malformed(let name, _) = error as? AIError, name == provider.name else {
                    Issue.record("\(error)")
                    return
                }
            }
            standIn.script(token + [.json(401, #"{"error":{"message":"invalid x-api-key"}}"#)])
            await #expect(throws: AIError.rejected(provider.name, status: 401, message: "invalid x-api-key")) {
                try await Self.complete(provider, Self.configuration(port))
            }
            standIn.script(token + [.hang(.seconds(3))])
            await #expect(throws: AIError.timedOut(provider.name)) {
                try await Self.complete(provider, Self.configuration(port, timeout: .milliseconds(500)))
            }
        }
        // Nothing listens on port 9 of loopback.
        await #expect(throws: AIError.unreachable(provider.name)) { try await Self.complete(provider, Self.configuration(9)) }
    }
}
