/// YandexGPT's text generation API: `POST /foundationModels/v1/completion` with
/// `Authorization: Api-Key …`; the model is a `modelUri` (`gpt://<folder>/yandexgpt/latest`,
/// which the settings' `model` holds); the reply is `result.alternatives[0].message.text`.
struct YandexCompletion: HostedModel {
    var base: String
    var exchange: ProviderExchange

    struct Request: Encodable {
        struct Options: Encodable {
            var stream: Bool
            var temperature: Double
            var maxTokens: String
        }

        struct Message: Encodable {
            var role: String
            var text: String
        }

        var modelUri: String
        var completionOptions: Options
        var messages: [Message]
    }

    struct Answer: Decodable {
        struct Result: Decodable {
            struct Alternative: Decodable {
                struct Message: Decodable {
                    var text: String?
                }

                var message: Message
            }

            var alternatives: [Alternative]
        }

        var result: Result
    }

    func complete(_ prompt: Prompt, key: String) async throws(AIError) -> String {
        let request = Request(
            modelUri: prompt.model,
            completionOptions: .init(stream: false, temperature: min(prompt.temperature, 1), maxTokens: String(prompt.maxTokens)),
            messages: (prompt.system.isEmpty ? [] : [Request.Message(role: "system", text: prompt.system)])
                + prompt.turns.map { Request.Message(role: $0.role.rawValue, text: $0.text) })
        let answer = try await exchange.post(
            base + "/foundationModels/v1/completion", headers: [("Authorization", "Api-Key \(key)")], json: request, as: Answer.self)
        guard let text = answer.result.alternatives.first?.message.text, !text.isEmpty else {
            throw .malformed(exchange.provider, "no result.alternatives[0].message.text")
        }
        return text
    }
}
