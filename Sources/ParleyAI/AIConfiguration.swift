public import ParleyModel

/// Where the hosted providers are reached, and how long an answer may take. The defaults are
/// the providers' public endpoints; `parley serve --ai-endpoint NAME=URL` points one elsewhere
/// (a proxy, or a stand-in in tests).
public struct AIConfiguration: Sendable {
    public var endpoints: [AIProvider: String]
    /// Sber's OAuth endpoint (GigaChat tokens are fetched there with the configured key).
    public var sberAuthEndpoint: String
    public var timeout: Duration
    public var maxAnswerTokens: Int

    public init(
        endpoints: [AIProvider: String] = AIConfiguration.publicEndpoints,
        sberAuthEndpoint: String = "https://ngw.devices.sberbank.ru:9443", timeout: Duration = .seconds(30), maxAnswerTokens: Int = 1024
    ) {
        self.endpoints = endpoints
        self.sberAuthEndpoint = sberAuthEndpoint
        self.timeout = timeout
        self.maxAnswerTokens = maxAnswerTokens
    }

    public static let publicEndpoints: [AIProvider: String] = [
        .anthropic: "https://api.anthropic.com", .openai: "https://api.openai.com", .yandex: "https://llm.api.cloud.yandex.net",
        .sber: "https://gigachat.devices.sberbank.ru",
    ]

    /// The base URL of `provider`, without a trailing slash.
    func endpoint(_ provider: AIProvider) -> String {
        var base = endpoints[provider] ?? Self.publicEndpoints[provider] ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
