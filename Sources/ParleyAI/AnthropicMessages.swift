/// Anthropic's Messages API: `POST /v1/messages` with `x-api-key` and `anthropic-version`;
/// the reply is the text blocks of `content`.
struct AnthropicMessages: HostedModel {
    var base: String
    var exchange: ProviderExchange

    struct Request: Encodable {
        var model: String
        var max_tokens: Int
        var temperature: Double
        var system: String
        var messages: [RoleContent]
    }

    struct Answer: Decodable {
        struct Block: Decodable {
            var type: String
            var text: String?
        }

        var content: [Block]
    }

    func complete(_ prompt: Prompt, key: String) async throws(AIError) -> String {
        let request = Request(
            model: prompt.model, max_tokens: prompt.maxTokens, temperature: min(prompt.temperature, 1), system: prompt.system,
            messages: prompt.turns.map { RoleContent(role: $0.role.rawValue, content: $0.text) })
        let answer = try await exchange.post(
            base + "/v1/messages", headers: [("x-api-key", key), ("anthropic-version", "2023-06-01")], json: request, as: Answer.self)
        let text = answer.content.filter { $0.type == "text" }.compactMap(\.text).joined()
        guard !text.isEmpty else { throw .malformed(exchange.provider, "no text in the answer") }
        return text
    }
}
