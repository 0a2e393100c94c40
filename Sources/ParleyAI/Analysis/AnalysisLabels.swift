/// What a customer message is about (the local analysis's classes).
public enum Intent: String, Sendable, CaseIterable {
    case purchaseInquiry = "purchase_inquiry"
    case pricingQuestion = "pricing_question"
    case orderStatus = "order_status"
    case technicalIssue = "technical_issue"
    case refundRequest = "refund_request"
    case cancellation
    case complaint
    case accountHelp = "account_help"
    case gratitude
    case greeting
    case generalQuestion = "general_question"
}

/// Why a customer hesitates.
public enum Objection: String, Sendable, CaseIterable {
    case price, competitor, timing, need, trust, complexity

    /// The seed's wording ("Price concern").
    public var label: String {
        switch self {
        case .price: "Price concern"
        case .competitor: "Considering a competitor"
        case .timing: "Not the right time"
        case .need: "Unsure of the need"
        case .trust: "Trust concern"
        case .complexity: "Seems too complex"
        }
    }
}

public enum Sentiment: String, Sendable, CaseIterable {
    case positive, neutral, negative
}

/// The seed's capitalized levels.
public enum InterestLevel: String, Sendable, CaseIterable, Comparable {
    case low = "Low"
    case medium = "Medium"
    case high = "High"

    var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
