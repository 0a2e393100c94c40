/// How long a site keeps its messages (issue 16): a whole number of days, 0 for ever.
public struct RetentionPolicy: Hashable, Sendable {
    public var siteID: SiteID
    /// Messages older than this many days are deleted (0: kept for ever).
    public var days: UInt32
    public var setBy: AgentID?
    public var setAt: Timestamp
    public var lastLSN: UInt64

    public init(siteID: SiteID, days: UInt32, setBy: AgentID?, setAt: Timestamp, lastLSN: UInt64 = 0) {
        self.siteID = siteID
        self.days = days
        self.setBy = setBy
        self.setAt = setAt
        self.lastLSN = lastLSN
    }

    /// The longest period accepted: 100 years.
    public static let maximumDays: UInt32 = 36_500

    /// Messages written before this time are expired at `now` (`nil` when kept for ever).
    public func cutoff(now: Timestamp) -> Timestamp? {
        days == 0 ? nil : Timestamp(milliseconds: now.milliseconds - Int64(days) * 86_400_000)
    }
}

/// The retention domain's state: every site's period, and the newest purge applied (what the
/// store's maintenance run compares its snapshots with; snapshots/FORMAT.md, "Retention and
/// erasure").
public struct RetentionPolicies: Hashable, Sendable {
    public private(set) var policies: [SiteID: RetentionPolicy]
    /// The LSN of the newest `messages_expired` or `visitor_erased` record applied (0: none).
    public private(set) var lastPurgeLSN: UInt64

    public init(policies: [RetentionPolicy] = [], lastPurgeLSN: UInt64 = 0) {
        self.policies = Dictionary(policies.map { ($0.siteID, $0) }, uniquingKeysWith: { $1 })
        self.lastPurgeLSN = lastPurgeLSN
    }

    /// The sites that delete old messages.
    public var limited: [RetentionPolicy] { policies.values.filter { $0.days > 0 }.sorted { $0.siteID < $1.siteID } }

    mutating func set(_ policy: RetentionPolicy) -> Bool {
        if let known = policies[policy.siteID], known.lastLSN >= policy.lastLSN { return false }
        policies[policy.siteID] = policy
        return true
    }

    mutating func purged(at lsn: UInt64) { lastPurgeLSN = max(lastPurgeLSN, lsn) }
}

/// A site's messages older than its retention period were deleted (record type 42, codec v19):
/// per conversation, the newest `seq` that goes.
public struct MessagesExpired: Hashable, Sendable {
    public var siteID: SiteID
    /// Messages written before this time were expired.
    public var cutoff: Timestamp
    /// By conversation id: each conversation's purged prefix rises to `through`.
    public var purges: [HistoryFileAdded.ColdMove]
    public var at: Timestamp

    public init(siteID: SiteID, cutoff: Timestamp, purges: [HistoryFileAdded.ColdMove], at: Timestamp) {
        self.siteID = siteID
        self.cutoff = cutoff
        self.purges = purges
        self.at = at
    }
}
