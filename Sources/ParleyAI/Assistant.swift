public import ParleyKnowledge
public import ParleyModel

/// An answer to a conversation: the reply (nil when there is no confident one), a confidence
/// in 0…1, and the knowledge passages it stands on.
public struct AIAnswer: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var documentID: KnowledgeDocumentID
        public var title: String
        public var relevance: Double
    }

    public var response: String?
    public var confidence: Double
    public var sources: [Source]
    public var provider: AIProvider
    public var model: String
}

/// Answers a conversation's latest customer messages from the site's knowledge base, through
/// the provider its settings name.
///
/// Retrieval comes first for every provider: the last three customer messages of the context
/// are the query, and the best passages (``KnowledgeBase/search(site:query:limit:)``) are the
/// sources. The `local` provider answers with the best passage itself (extractive: the words
/// are the site's own, never made up); a hosted provider gets the passages in its system text
/// and the conversation as turns, and its reply is the answer. Either way the confidence is the
/// best passage's relevance — hosted models report no calibrated confidence of their own, so
/// an answer counts as confident only as far as the knowledge base supports it. Below
/// ``minimumRelevance`` nothing counts as a match: `local` then has no answer.
public struct Assistant: Sendable {
    public static let minimumRelevance = 0.25
    public let knowledge: KnowledgeBase
    public let configuration: AIConfiguration

    public init(knowledge: KnowledgeBase, configuration: AIConfiguration = AIConfiguration()) {
        self.knowledge = knowledge
        self.configuration = configuration
    }

    /// The customer's words the answer is for: the last three customer messages of `context`.
    static func question(_ context: [Message]) -> String {
        context.filter { if case .visitor = $0.sender { $0.contentType == .text } else { false } }.suffix(3).map(\.content)
            .joined(separator: "\n")
    }

    public func answer(site: SiteID, settings: AISettings, context: [Message]) async throws(AIError) -> AIAnswer {
        let question = Self.question(context)
        let hits =
            question.isEmpty
            ? [] : knowledge.search(site: site, query: question, limit: 5).filter { $0.relevance >= Self.minimumRelevance }
        var sources: [AIAnswer.Source] = []
        for hit in hits where !sources.contains(where: { $0.documentID == hit.document.id }) && sources.count < 3 {
            sources.append(.init(documentID: hit.document.id, title: hit.document.title, relevance: Self.rounded(hit.relevance)))
        }
        let confidence = Self.rounded(hits.first?.relevance ?? 0)
        guard settings.provider != .local else {
            let reply = hits.first.map { Self.answerPart(of: $0.passage) }
            return AIAnswer(
                response: reply, confidence: reply == nil ? 0 : confidence, sources: reply == nil ? [] : sources, provider: .local,
                model: AISettings.localModel)
        }
        let prompt = Prompt(
            system: Self.system(settings.systemPrompt, passages: hits.prefix(3).map { ($0.document.title, $0.passage) }),
            turns: context.compactMap(Self.turn), model: settings.model, temperature: settings.temperature,
            maxTokens: configuration.maxAnswerTokens)
        let reply = try await Self.complete(settings: settings, prompt: prompt, configuration: configuration)
        return AIAnswer(response: reply, confidence: confidence, sources: sources, provider: settings.provider, model: settings.model)
    }

    /// A reply an agent can start from: the knowledge base's best passage for `text` when one
    /// matches (relevance at least ``minimumRelevance``), else the reply for the message's
    /// intent and objection in the customer's language.
    public func suggestedReply(site: SiteID, text: String, analysis: MessageAnalysis) -> String {
        if let hit = knowledge.search(site: site, query: text, limit: 1).first, hit.relevance >= Self.minimumRelevance {
            return Self.answerPart(of: hit.passage)
        }
        return ReplyTemplates.reply(intent: analysis.intent, objection: analysis.objection, russian: analysis.isRussian)
    }

    /// `prompt` sent to the hosted provider `settings` name, with its key.
    public static func complete(settings: AISettings, prompt: Prompt, configuration: AIConfiguration) async throws(AIError) -> String {
        guard let hosted = configuration.hostedModel(settings.provider), let key = settings.apiKeys[settings.provider], !key.isEmpty else {
            throw .notConfigured(settings.provider.name)
        }
        return try await hosted.complete(prompt, key: key)
    }

    /// A FAQ passage leads with its question; the answer is what follows it.
    static func answerPart(of passage: String) -> String {
        let lines = passage.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count > 1, let first = lines.first, first.hasSuffix("?") || first.split(separator: " ").count <= 6 else {
            return passage
        }
        return lines.dropFirst().joined(separator: "\n")
    }

    static func system(_ prompt: String, passages: [(title: String, text: String)]) -> String {
        var system = prompt.isEmpty ? "You are a customer support assistant. Answer briefly and politely, in the customer's language." : prompt
        if passages.isEmpty {
            system += "\n\nThe knowledge base has nothing on this question: say so rather than guess."
        } else {
            system += "\n\nAnswer from these knowledge base passages; if they do not answer the question, say so:"
            for (index, passage) in passages.enumerated() { system += "\n[\(index + 1)] \(passage.title): \(passage.text)" }
        }
        return system
    }

    static func turn(_ message: Message) -> Prompt.Turn? {
        guard message.contentType == .text else { return nil }
        switch message.sender {
        case .visitor: return Prompt.Turn(role: .user, text: message.content)
        case .agent, .bot: return Prompt.Turn(role: .assistant, text: message.content)
        case .system: return nil
        }
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
