public import ParleyAI
public import ParleyModel

/// The native dialect's analysis of one message (seed 004 §7.1), as the REST answer and the
/// WebSocket `analysis` event carry it.
public struct MessageAnalysisBody: Encodable, Sendable {
    public var suggested_reply: String
    public var interest_level: String
    public var conversion_percentage: Int
    /// Always present: null when the customer raised none, as the seed's example shows it.
    @ExplicitNull public var objection: String?
    public var next_action: String
    public var sentiment: String
    public var intent: String
    public var keywords: [String]
    public var language: String
    public var method: String

    public init(_ analysis: MessageAnalysis, suggestedReply: String) {
        suggested_reply = suggestedReply
        interest_level = analysis.interestLevel.rawValue
        conversion_percentage = analysis.conversionPercentage
        objection = analysis.objection?.label
        next_action = analysis.nextAction
        sentiment = analysis.sentiment.rawValue
        intent = analysis.intent.rawValue
        keywords = analysis.keywords
        language = analysis.isRussian ? "ru" : "en"
        method = "local"
    }

    /// `text` analysed for `site` by `ai`, with its suggested reply.
    public static func analyze(_ text: String, site: SiteID, ai: AIService) -> MessageAnalysisBody {
        let analysis = MessageAnalyzer().analyze(text)
        return MessageAnalysisBody(analysis, suggestedReply: ai.assistant.suggestedReply(site: site, text: text, analysis: analysis))
    }
}
