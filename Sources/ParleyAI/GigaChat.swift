import Foundation

/// Sber's GigaChat: the configured key (its "authorization key", Base64 of client id and
/// secret) buys an access token at `POST /api/v2/oauth` (`scope=GIGACHAT_API_PERS`, a fresh
/// `RqUID`); the chat itself is the Chat Completions shape at `/api/v1/chat/completions`.
struct GigaChat: HostedModel {
    var base: String
    var authBase: String
    var exchange: ProviderExchange

    struct Token: Decodable {
        var access_token: String
    }

    func complete(_ prompt: Prompt, key: String) async throws(AIError) -> String {
        let token = try await exchange.send(
            authBase + "/api/v2/oauth",
            headers: [
                ("Authorization", "Basic \(key)"), ("RqUID", UUID().uuidString.lowercased()),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ], body: Array("scope=GIGACHAT_API_PERS".utf8), as: Token.self)
        return try await OpenAIChatCompletions(base: base, path: "/api/v1/chat/completions", exchange: exchange)
            .complete(prompt, key: token.access_token)
    }
}
