import Foundation
import ParleyKnowledge
public import ParleyModel

/// A conversation's analysis: the customer's messages analysed one by one and combined.
public struct ConversationAnalysis: Sendable, Equatable {
    public var overallSentiment: Sentiment
    public var interestLevel: InterestLevel
    public var conversionProbability: Int
    public var keyTopics: [String]
    public var objectionsRaised: [Objection]
    public var recommendedActions: [String]
    public var summary: String
    public var customerMessages: Int
}

extension MessageAnalyzer {
    /// Sentiment: the customer messages' scores summed, the latest counting double (where the
    /// conversation ends up matters most). Interest and conversion: the latest message's, raised
    /// to the highest interest shown when the customer asked to buy. Topics: RAKE over all the
    /// customer's words. Objections: each one raised, in order. Actions: the next actions of
    /// the last three messages. Summary: extractive — the counts, the customer's two most
    /// keyword-dense sentences, and the open objection.
    public func analyze(conversation messages: [Message]) -> ConversationAnalysis {
        let customer = messages.filter { if case .visitor = $0.sender { $0.contentType == .text } else { false } }
        let results = customer.map { analyze($0.content) }
        guard let last = results.last else {
            return ConversationAnalysis(
                overallSentiment: .neutral, interestLevel: .low, conversionProbability: 0, keyTopics: [], objectionsRaised: [],
                recommendedActions: [], summary: "No customer messages yet.", customerMessages: 0)
        }
        let score = results.dropLast().reduce(0) { $0 + $1.sentimentScore } + 2 * last.sentimentScore
        let sentiment: Sentiment = score >= 1 ? .positive : score <= -1 ? .negative : .neutral
        let buyingInterest = results.filter { $0.intent == .purchaseInquiry }.map(\.interestLevel).max()
        let interest = max(last.interestLevel, buyingInterest ?? .low)
        var objections: [Objection] = []
        for result in results { if let objection = result.objection, !objections.contains(objection) { objections.append(objection) } }
        var actions: [String] = []
        for result in results.suffix(3).reversed() where !actions.contains(result.nextAction) { actions.append(result.nextAction) }
        let all = customer.map(\.content).joined(separator: ".\n")
        let topics = Keywords.rake(TokenStream(all, analyzer: .init()), limit: 5)
        let replies = messages.count - customer.count
        var summary = "\(customer.count) customer message\(customer.count == 1 ? "" : "s"), \(replies) other\(replies == 1 ? "" : "s")."
        let sentences = Self.keySentences(customer.map(\.content), topics: topics, limit: 2)
        if !sentences.isEmpty { summary += " The customer wrote: " + sentences.map { "“\($0)”" }.joined(separator: " … ") }
        if let objection = objections.last { summary += " Open objection: \(objection.label.lowercased())." }
        return ConversationAnalysis(
            overallSentiment: sentiment, interestLevel: interest,
            conversionProbability: min(99, max(1, last.conversionPercentage + (interest > last.interestLevel ? 10 : 0))),
            keyTopics: topics, objectionsRaised: objections, recommendedActions: actions, summary: summary,
            customerMessages: customer.count)
    }

    /// The sentences that hold the most topic words, in the order they were written.
    static func keySentences(_ texts: [String], topics: [String], limit: Int) -> [String] {
        let topicWords = Set(topics.flatMap { $0.split(separator: " ").map(String.init) })
        var sentences: [(text: String, score: Int, order: Int)] = []
        for text in texts {
            for sentence in text.split(whereSeparator: { ".!?\n".contains($0) }) {
                let trimmed = sentence.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { continue }
                let words = trimmed.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
                sentences.append((String(trimmed.prefix(200)), words.filter { topicWords.contains($0) }.count, sentences.count))
            }
        }
        return sentences.filter { $0.score > 0 }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.order < $1.order }.prefix(limit)
            .sorted { $0.order < $1.order }.map(\.text)
    }
}
