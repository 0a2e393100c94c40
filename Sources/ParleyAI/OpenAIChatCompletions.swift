/// The Chat Completions API (OpenAI's, and GigaChat's, which has its shape): `POST` the
/// messages with a bearer token; the reply is `choices[0].message.content`.
struct OpenAIChatCompletions: HostedModel {
    var base: String
    var path: String
    var exchange: ProviderExchange

    struct Request: Encodable {
        var model: String
        var temperature: Double
        var max_tokens: Int
        var messages: [RoleContent]
    }

    struct Answer: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
            }

            var message: Message
        }

        var choices: [Choice]
    }

    static func request(_ prompt: Prompt) -> Request {
        Request(
            model: prompt.model, temperature: prompt.temperature, max_tokens: prompt.maxTokens,
            messages: (prompt.system.isEmpty ? [] : [RoleContent(role: "system", content: prompt.system)])
                + prompt.turns.map { RoleContent(role: $0.role.rawValue, content: $0.text) })
    }

    func complete(_ prompt: Prompt, key: String) async throws(AIError) -> String {
        let answer = try await exchange.post(
            base + path, headers: [("Authorization", "Bearer \(key)")], json: Self.request(prompt), as: Answer.self)
        guard let text = answer.choices.first?.message.content, !text.isEmpty else {
            throw .malformed(exchange.provider, "no choices[0].message.content")
        }
        return text
    }
}
