public import ParleyModel

/// The native dialect's analysis of one message (seed 004 §7.1), as the REST answer and the
/// WebSocket `analysis` event carry it.
public struct MessageAnalysisBody: Encodable, Sendable {
    public var suggested_reply: String
    public var interest_level: String
    public var conversion_percentage: Int
    /// Null when the customer raised none.
    public var objection: String?
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

    /// `objection` is always present (null when none), as the seed's example shows it.
    enum CodingKeys: String, CodingKey {
        case suggested_reply, interest_level, conversion_percentage, objection, next_action, sentiment, intent, keywords, language, method
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(suggested_reply, forKey: .suggested_reply)
        try container.encode(interest_level, forKey: .interest_level)
        try container.encode(conversion_percentage, forKey: .conversion_percentage)
        try container.encode(objection, forKey: .objection)
        try container.encode(next_action, forKey: .next_action)
        try container.encode(sentiment, forKey: .sentiment)
        try container.encode(intent, forKey: .intent)
        try container.encode(keywords, forKey: .keywords)
        try container.encode(language, forKey: .language)
        try container.encode(method, forKey: .method)
    }
}

extension AIService {
    /// `text` analysed for `site`, with its suggested reply.
    public func analyze(_ text: String, site: SiteID) -> MessageAnalysisBody {
        let analysis = MessageAnalyzer().analyze(text)
        return MessageAnalysisBody(analysis, suggestedReply: assistant.suggestedReply(site: site, text: text, analysis: analysis))
    }
}
