/// What a hosted model is asked: a system text and the conversation as alternating turns
/// (the customer as `user`, the team and bots as `assistant`), starting with the customer.
public struct Prompt: Sendable, Equatable {
    public enum Role: String, Sendable {
        case user, assistant
    }

    public struct Turn: Sendable, Equatable {
        public var role: Role
        public var text: String

        public init(role: Role, text: String) {
            self.role = role
            self.text = text
        }
    }

    public var system: String
    public var turns: [Turn]
    public var model: String
    public var temperature: Double
    public var maxTokens: Int

    public init(system: String, turns: [Turn], model: String, temperature: Double, maxTokens: Int) {
        self.system = system
        self.model = model
        self.temperature = temperature
        self.maxTokens = maxTokens
        // Providers want alternating turns that start with the user: merge runs of one role, and
        // drop what the team said before the customer's first message.
        var merged: [Turn] = []
        for turn in turns where !turn.text.isEmpty {
            if merged.isEmpty && turn.role == .assistant { continue }
            if let last = merged.last, last.role == turn.role {
                merged[merged.count - 1].text += "\n" + turn.text
            } else {
                merged.append(turn)
            }
        }
        self.turns = merged
    }
}

/// `{"role", "content"}`: one message in Anthropic's and OpenAI's (and GigaChat's) requests.
struct RoleContent: Encodable {
    var role: String
    var content: String
}
