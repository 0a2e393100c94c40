public import ParleyModel

/// A hosted model's chat API: the prompt in, the reply's text out.
protocol HostedModel: Sendable {
    func complete(_ prompt: Prompt, key: String) async throws(AIError) -> String
}

extension AIConfiguration {
    /// The client of a hosted provider (nil for `local`).
    func hostedModel(_ provider: AIProvider) -> (any HostedModel)? {
        let exchange = ProviderExchange(provider: provider.name, timeout: timeout)
        switch provider {
        case .local: return nil
        case .anthropic: return AnthropicMessages(base: endpoint(.anthropic), exchange: exchange)
        case .openai: return OpenAIChatCompletions(base: endpoint(.openai), path: "/v1/chat/completions", exchange: exchange)
        case .yandex: return YandexCompletion(base: endpoint(.yandex), exchange: exchange)
        case .sber: return GigaChat(base: endpoint(.sber), authBase: sberAuthEndpoint, exchange: exchange)
        }
    }
}
