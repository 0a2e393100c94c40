import ParleyKnowledge

/// One customer message, analysed by the local method (`docs/api/analysis.md`).
public struct MessageAnalysis: Sendable, Equatable {
    public var sentiment: Sentiment
    /// The lexicon score behind `sentiment` (positive minus negative cues).
    public var sentimentScore: Double
    public var intent: Intent
    public var interestLevel: InterestLevel
    /// 0…100: a heuristic estimate (see the docs), not a calibrated probability.
    public var conversionPercentage: Int
    public var objection: Objection?
    public var nextAction: String
    public var keywords: [String]
    public var isRussian: Bool
}

/// The local analysis of a message: a lexicon sentiment model with negation, intent and
/// objection rules over Snowball stems, interest and conversion derived from them, and RAKE
/// keywords. Deterministic and explainable; no network.
public struct MessageAnalyzer: Sendable {
    public init() {}

    public func analyze(_ text: String) -> MessageAnalysis {
        let analyzer = TermAnalyzer()
        let stream = TokenStream(text, analyzer: analyzer)
        let lexicon = Self.lexicon
        let score = Self.sentimentScore(stream, lexicon: lexicon)
        let sentiment: Sentiment = score >= 1 ? .positive : score <= -1 ? .negative : .neutral
        let intent = Self.intent(stream, text: text, lexicon: lexicon)
        let objection = lexicon.objections.first { $0.1.matches(stream) }?.0
        let interest = Self.interest(intent: intent, objection: objection, sentiment: sentiment, buying: lexicon.buying.matches(stream))
        return MessageAnalysis(
            sentiment: sentiment, sentimentScore: score, intent: intent, interestLevel: interest,
            conversionPercentage: Self.conversion(intent: intent, interest: interest, objection: objection, sentiment: sentiment),
            objection: objection, nextAction: Self.nextAction(intent: intent, objection: objection),
            keywords: Keywords.rake(stream, limit: 5), isRussian: stream.isRussian)
    }

    /// Built once: stemming the word lists takes a moment.
    static let lexicon = Lexicon()

    /// Positive cues count +1, negative −1 (weights as listed); a negator up to two words before
    /// a cue flips it, and a negated verb of functioning ("doesn't load", "не приходит") is −1.
    static func sentimentScore(_ stream: TokenStream, lexicon: Lexicon) -> Double {
        var score = 0.0
        let tokens = stream.tokens
        func negated(_ index: Int) -> Bool {
            (max(0, index - 2)..<index).contains { lexicon.negators.contains(tokens[$0].word) }
        }
        for index in tokens.indices {
            for (set, sign) in [(lexicon.positive, 1.0), (lexicon.negative, -1.0)] {
                for cue in set.cues where index + cue.stems.count <= tokens.count {
                    guard zip(cue.stems, tokens[index...]).allSatisfy({ $0 == $1.stem }) else { continue }
                    score += (negated(index) ? -sign : sign) * cue.weight
                }
            }
            if negated(index), lexicon.functioning.cues.contains(where: { $0.stems == [tokens[index].stem] }) { score -= 1 }
        }
        return score
    }

    /// The intent with the highest cue score; greetings only when nothing else matched, and a
    /// question with no cue is a general question.
    static func intent(_ stream: TokenStream, text: String, lexicon: Lexicon) -> Intent {
        var best: (Intent, Double)?
        for (intent, cues) in lexicon.intents where intent != .greeting {
            let score = cues.score(stream)
            if score > 0, score > (best?.1 ?? 0) { best = (intent, score) }
        }
        if let best { return best.0 }
        let content = stream.tokens.filter { !$0.isStopWord }.count
        if lexicon.intents.first(where: { $0.0 == .greeting })?.1.matches(stream) == true, content <= 4, !text.contains("?") || content <= 3 {
            return .greeting
        }
        if stream.tokens.isEmpty { return .greeting }
        return .generalQuestion
    }

    static func interest(intent: Intent, objection: Objection?, sentiment: Sentiment, buying: Bool) -> InterestLevel {
        switch intent {
        case .purchaseInquiry:
            if let objection, objection != .price { return .medium }
            return buying ? .high : .medium
        case .pricingQuestion: return objection == .price || sentiment == .negative ? .low : .medium
        case .orderStatus, .accountHelp, .generalQuestion: return .medium
        case .technicalIssue: return sentiment == .negative ? .low : .medium
        case .refundRequest, .cancellation, .complaint, .gratitude, .greeting: return .low
        }
    }

    /// A starting point by intent, moved by interest, sentiment and an objection; 1…99.
    static func conversion(intent: Intent, interest: InterestLevel, objection: Objection?, sentiment: Sentiment) -> Int {
        let base: Int =
            switch intent {
            case .purchaseInquiry: 55
            case .pricingQuestion: 40
            case .generalQuestion: 30
            case .orderStatus, .accountHelp, .gratitude: 20
            case .greeting: 15
            case .technicalIssue: 10
            case .refundRequest, .cancellation, .complaint: 5
            }
        var value = base + (interest == .high ? 15 : interest == .low ? -5 : 0)
        value += sentiment == .positive ? 10 : sentiment == .negative ? -10 : 0
        if objection != nil { value -= 15 }
        return min(99, max(1, value))
    }

    static func nextAction(intent: Intent, objection: Objection?) -> String {
        switch objection {
        case .price?: return "Address the pricing objection with the value of the plan, or offer a discount or a smaller plan"
        case .competitor?: return "Compare with the competitor's offer and stress what sets yours apart"
        case .timing?: return "Agree on a follow-up date and offer a trial or a pause instead of losing the customer"
        case .need?: return "Ask about their use case and show the features that matter for it"
        case .trust?: return "Share guarantees, reviews and the refund policy"
        case .complexity?: return "Offer an onboarding call or a step-by-step guide"
        case nil: break
        }
        switch intent {
        case .purchaseInquiry: return "Help them complete the purchase: confirm the product and send a payment link"
        case .pricingQuestion: return "Give the exact price and what it includes"
        case .orderStatus: return "Look up the order and share its status and tracking number"
        case .technicalIssue: return "Collect the details (device, steps, error) and troubleshoot or escalate to engineering"
        case .refundRequest: return "Check the order against the return policy and start the refund or return"
        case .cancellation: return "Confirm the cancellation, and ask the reason to offer a fitting alternative"
        case .complaint: return "Apologise, take ownership and offer a concrete remedy"
        case .accountHelp: return "Verify the account owner and walk them through the account change"
        case .gratitude: return "Thank them and ask whether anything else is needed"
        case .greeting: return "Greet them and ask how you can help"
        case .generalQuestion: return "Answer the question, using the knowledge base"
        }
    }
}
