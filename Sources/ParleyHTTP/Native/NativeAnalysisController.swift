import Hummingbird
import ParleyAI
import ParleyEngine
import ParleyModel
import ParleyStorage

/// Analysis (seed 004 §7): one message (`POST /analysis/message`) or a whole conversation
/// (`GET /analysis/conversation/{id}`), by the local method (``MessageAnalyzer``): the site's
/// agents and its `sk_` key.
struct NativeAnalysisController {
    let ai: AIService

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post("analysis/message", use: message)
        group.get("analysis/conversation/:conversation_id", use: conversation)
    }

    struct MessageRequest: Decodable {
        var message: String
        var conversation_id: String?
        var visitor_id: String?
    }

    @Sendable func message(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<MessageAnalysisBody> {
        let site = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let body = try await request.decode(as: MessageRequest.self, context: context)
        guard !body.message.allSatisfy(\.isWhitespace) else { throw APIError.invalid("message", "is required") }
        guard body.message.utf8.count <= 8192 else { throw APIError.invalid("message", "is longer than 8192 bytes") }
        // The context, when named, must be the caller's.
        if let conversation = body.conversation_id {
            _ = try NativeScope.conversation(conversation, principal: principal, broker: ai.broker)
        }
        if let visitor = body.visitor_id { _ = try NativeScope.visitor(visitor, site: site, broker: ai.broker) }
        return NativeSuccess(MessageAnalysisBody.analyze(body.message, site: site, ai: ai))
    }

    struct ConversationBody: Encodable, Sendable {
        var conversation_id: String
        var overall_sentiment: String
        var interest_level: String
        var conversion_probability: Int
        var key_topics: [String]
        var objections_raised: [String]
        var recommended_actions: [String]
        var summary: String
        var customer_messages: Int
        var method: String
    }

    @Sendable func conversation(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<ConversationBody> {
        _ = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let conversation = try NativeScope.conversation(context.parameters.get("conversation_id"), principal: principal, broker: ai.broker)
        let messages = try ai.broker.store.read { $0.conversations[conversation.id] }?.allMessages(cold: ai.broker.store.history) ?? []
        let analysis = MessageAnalyzer().analyze(conversation: messages)
        return NativeSuccess(
            ConversationBody(
                conversation_id: NativeID.format(conversation.id), overall_sentiment: analysis.overallSentiment.rawValue,
                interest_level: analysis.interestLevel.rawValue, conversion_probability: analysis.conversionProbability,
                key_topics: analysis.keyTopics, objections_raised: analysis.objectionsRaised.map(\.label),
                recommended_actions: analysis.recommendedActions, summary: analysis.summary, customer_messages: analysis.customerMessages,
                method: "local"))
    }
}
