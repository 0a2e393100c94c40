import Foundation
import Hummingbird
import ParleyAI
import ParleyModel

/// AI (seed 003): a site's settings (`GET`/`PUT /ai/settings`; provider keys write-only) and
/// answers for a conversation (`POST /ai/generate`), from the knowledge base or a hosted model
/// (``Assistant``). The team reads and generates; owners and admins change the settings.
struct OmniAIController {
    let ai: AIService

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("ai/settings", use: settings)
        group.put("ai/settings", use: update)
        group.post("ai/generate", use: generate)
    }

    struct SettingsBody: Encodable, Sendable {
        var provider: String
        var model: String
        var temperature: Double
        var system_prompt: String
        var auto_respond: Bool
        var confidence_threshold: Double
        /// The providers that have a key (the keys themselves are never shown).
        var api_keys_configured: [String]
        var providers: [String]
        @ExplicitNull var bot_user_id: String?
        @ExplicitNull var updated_at: String?
    }

    static func body(_ settings: AISettings) -> SettingsBody {
        SettingsBody(
            provider: settings.provider.name, model: settings.model, temperature: settings.temperature, system_prompt: settings.systemPrompt,
            auto_respond: settings.autoRespond, confidence_threshold: settings.confidenceThreshold,
            api_keys_configured: settings.apiKeys.keys.sorted().map(\.name), providers: AIProvider.allCases.map(\.name),
            bot_user_id: settings.botAgentID.map(OmniID.format),
            updated_at: settings.updatedAt.milliseconds > 0 ? settings.updatedAt.rfc3339 : nil)
    }

    @Sendable func settings(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<SettingsBody> {
        OmniData(Self.body(ai.settings(of: try context.requireStaff())))
    }

    struct UpdateRequest: Decodable {
        var provider: String?
        var model: String?
        var temperature: Double?
        var system_prompt: String?
        var auto_respond: Bool?
        var confidence_threshold: Double?
        /// The key of the provider this request names (or the current one); "" removes it.
        var api_key: String?
        /// Keys by provider name; "" or null removes one.
        var api_keys: [String: String?]?
    }

    /// The model a provider gets when a request changes the provider without naming one.
    static func defaultModel(_ provider: AIProvider) -> String {
        switch provider {
        case .local: AISettings.localModel
        case .anthropic: "claude-sonnet-4-5"
        case .openai: "gpt-4o-mini"
        case .yandex: ""
        case .sber: "GigaChat"
        }
    }

    @Sendable func update(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<SettingsBody> {
        let site = try context.requireManager("only owners and admins change the AI settings")
        let body = try await request.decode(as: UpdateRequest.self, context: context)
        var settings = ai.settings(of: site)
        if let name = body.provider {
            guard let provider = AIProvider(name: name) else {
                throw APIError.invalid("provider", value: name, "must be one of \(AIProvider.allCases.map(\.name).joined(separator: ", "))")
            }
            if provider != settings.provider, body.model == nil { settings.model = Self.defaultModel(provider) }
            settings.provider = provider
        }
        if let model = body.model { settings.model = model.trimmingCharacters(in: .whitespaces) }
        if settings.provider == .local { settings.model = AISettings.localModel }
        guard !settings.model.isEmpty, settings.model.count <= 200 else {
            throw APIError.invalid("model", settings.provider == .yandex ? "must be a modelUri like gpt://<folder-id>/yandexgpt/latest" : "must be 1 to 200 characters")
        }
        if settings.provider == .yandex, !settings.model.hasPrefix("gpt://") {
            throw APIError.invalid("model", value: settings.model, "must be a modelUri like gpt://<folder-id>/yandexgpt/latest")
        }
        if let temperature = body.temperature {
            guard (0...2).contains(temperature) else { throw APIError.invalid("temperature", "must be from 0 to 2") }
            settings.temperature = temperature
        }
        if let prompt = body.system_prompt {
            guard prompt.count <= 4000 else { throw APIError.invalid("system_prompt", "is longer than 4000 characters") }
            settings.systemPrompt = prompt
        }
        if let threshold = body.confidence_threshold {
            guard (0...1).contains(threshold) else { throw APIError.invalid("confidence_threshold", "must be from 0 to 1") }
            settings.confidenceThreshold = threshold
        }
        if let autoRespond = body.auto_respond { settings.autoRespond = autoRespond }
        var keys: [(AIProvider, String?)] = []
        if let key = body.api_key { keys.append((settings.provider, key)) }
        for (name, key) in body.api_keys ?? [:] {
            guard let provider = AIProvider(name: name), provider != .local else {
                throw APIError.invalid("api_keys", value: name, "names no hosted provider")
            }
            keys.append((provider, key))
        }
        for (provider, key) in keys {
            guard provider != .local else { throw APIError.invalid("api_key", "the local provider takes no key") }
            guard let key, !key.isEmpty else {
                settings.apiKeys[provider] = nil
                continue
            }
            guard key.count <= 1000, !key.contains(where: { $0.isWhitespace || $0.isNewline }) else {
                throw APIError.invalid("api_key", "must be up to 1000 characters without spaces")
            }
            settings.apiKeys[provider] = key
        }
        return OmniData(Self.body(try await ai.save(settings)))
    }

    struct GenerateRequest: Decodable {
        var conversation_id: String
        var context_messages: Int?
    }

    struct Source: Encodable, Sendable {
        var document_id: String
        var title: String
        var relevance: Double
    }

    struct Answer: Encodable, Sendable {
        /// Null when there is no confident answer.
        @ExplicitNull var response: String?
        var confidence: Double
        var sources: [Source]
        var provider: String
        var model: String
    }

    @Sendable func generate(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<Answer> {
        let site = try context.requireStaff()
        let body = try await request.decode(as: GenerateRequest.self, context: context)
        let count = body.context_messages ?? 10
        guard (1...50).contains(count) else { throw APIError.invalid("context_messages", "must be from 1 to 50") }
        let conversation = try OmniScope.conversation(body.conversation_id, site: site, broker: ai.broker)
        do {
            let answer = try await ai.answer(conversation, contextMessages: count)
            return OmniData(
                Answer(
                    response: answer.response, confidence: answer.confidence,
                    sources: answer.sources.map { Source(document_id: OmniID.format($0.documentID), title: $0.title, relevance: $0.relevance) },
                    provider: answer.provider.name, model: answer.model))
        } catch {
            throw Self.failure(error)
        }
    }

    /// A provider's failure as the caller sees it: not the caller's fault, so 5xx (or 429, or a
    /// 409 for settings that name a provider without a key).
    static func failure(_ error: AIError) -> APIError {
        switch error {
        case .notConfigured: APIError(.conflict, code: "AI_NOT_CONFIGURED", message: error.description)
        case .rateLimited(_, let retryAfter):
            APIError(.tooManyRequests, code: "AI_PROVIDER_RATE_LIMITED", message: error.description, retryAfterSeconds: retryAfter)
        case .timedOut: APIError(.gatewayTimeout, code: "AI_PROVIDER_TIMEOUT", message: error.description)
        case .unreachable, .rejected, .malformed: APIError(.badGateway, code: "AI_PROVIDER_ERROR", message: error.description)
        }
    }
}
