/// A site's plan (CONTRACT §7): `free` for new sites, `pro`, `enterprise`. Plans set the omni
/// agent routes' request budget and the reported quotas; a customer's message is never refused
/// because of the plan. Codec v9.
public enum Plan: UInt8, Sendable, CaseIterable {
    case free = 1
    case pro = 2
    case enterprise = 3

    public var name: String {
        switch self {
        case .free: "free"
        case .pro: "pro"
        case .enterprise: "enterprise"
        }
    }

    public init?(name: String) {
        guard let plan = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = plan
    }

    /// Omni agent-route requests per minute per site (seed 003); `nil` is unlimited.
    public var requestsPerMinute: Int? {
        switch self {
        case .free: 100
        case .pro: 1000
        case .enterprise: nil
        }
    }

    /// Messages per calendar month, reported as the quota (never enforced); `nil` is unlimited.
    public var monthlyMessages: Int? {
        switch self {
        case .free: 1000
        case .pro: 5000
        case .enterprise: nil
        }
    }

    /// File storage in MiB, reported as the quota; `nil` is unlimited.
    public var storageMiB: Int? {
        switch self {
        case .free: 100
        case .pro: 1000
        case .enterprise: nil
        }
    }
}

/// A site's plan since a time (the plan changed record).
public struct SitePlan: Hashable, Sendable {
    public var siteID: SiteID
    public var plan: Plan
    public var changedBy: AgentID?
    public var since: Timestamp
    public var lastLSN: UInt64

    public init(siteID: SiteID, plan: Plan, changedBy: AgentID?, since: Timestamp, lastLSN: UInt64 = 0) {
        self.siteID = siteID
        self.plan = plan
        self.changedBy = changedBy
        self.since = since
        self.lastLSN = lastLSN
    }
}

/// A customer's rating of a closed conversation (1–5, optional comment; a later rating
/// replaces it). Codec v9.
public struct ConversationRating: Hashable, Sendable {
    public var conversationID: ConversationID
    public var score: UInt8
    public var comment: String?
    public var ratedAt: Timestamp
    public var lastLSN: UInt64

    public init(conversationID: ConversationID, score: UInt8, comment: String?, ratedAt: Timestamp, lastLSN: UInt64 = 0) {
        self.conversationID = conversationID
        self.score = score
        self.comment = comment
        self.ratedAt = ratedAt
        self.lastLSN = lastLSN
    }
}

/// Plans and ratings: the billing and feedback domain's state, composed by ``ParleyState``.
public struct AccountPlans: Sendable {
    public private(set) var plans: [SiteID: SitePlan] = [:]
    public private(set) var ratings: StateMap<ConversationID, ConversationRating> = [:]

    public init(plans: [SitePlan] = [], ratings: [ConversationRating] = []) {
        for plan in plans { self.plans[plan.siteID] = plan }
        for rating in ratings { self.ratings[rating.conversationID] = rating }
    }

    /// A site's plan: `free` until changed.
    public func plan(of site: SiteID) -> Plan { plans[site]?.plan ?? .free }

    mutating func set(_ plan: SitePlan) -> Bool {
        if let known = plans[plan.siteID], known.lastLSN >= plan.lastLSN { return false }
        plans[plan.siteID] = plan
        return true
    }

    /// Drops a rating's comment, keeping its score (erasure: the comment is the customer's words).
    mutating func dropComment(of conversation: ConversationID) {
        ratings[conversation]?.comment = nil
    }

    mutating func rate(_ rating: ConversationRating) -> Bool {
        if let known = ratings[rating.conversationID], known.lastLSN >= rating.lastLSN { return false }
        ratings[rating.conversationID] = rating
        return true
    }
}
