/// Where a site's AI answers come from (seed 003's providers, and `local`: the knowledge base).
public enum AIProvider: UInt8, Sendable, CaseIterable, Comparable {
    case local = 1
    case anthropic = 2
    case openai = 3
    case yandex = 4
    case sber = 5

    public var name: String {
        switch self {
        case .local: "local"
        case .anthropic: "anthropic"
        case .openai: "openai"
        case .yandex: "yandex"
        case .sber: "sber"
        }
    }

    public init?(name: String) {
        guard let provider = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = provider
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A site's AI settings (codec v15). Provider keys are kept as given (they are sent to the
/// provider with every request): guard the log and snapshots like the JWT key. The API never
/// shows them.
public struct AISettings: Hashable, Sendable {
    public var siteID: SiteID
    public var provider: AIProvider
    public var model: String
    /// 0…2, kept to 0.001.
    public var temperature: Double
    public var systemPrompt: String
    /// Post a confident answer to a customer's message as a `bot` message.
    public var autoRespond: Bool
    /// 0…1, kept to 0.001: the least confidence an automatic answer needs.
    public var confidenceThreshold: Double
    public var apiKeys: [AIProvider: String]
    /// The site's bot agent that automatic answers are sent as (made when first needed).
    public var botAgentID: AgentID?
    public var updatedAt: Timestamp
    public var lastLSN: UInt64 = 0

    public init(
        siteID: SiteID, provider: AIProvider = .local, model: String = AISettings.localModel, temperature: Double = 0.7,
        systemPrompt: String = "", autoRespond: Bool = false, confidenceThreshold: Double = 0.8, apiKeys: [AIProvider: String] = [:],
        botAgentID: AgentID? = nil, updatedAt: Timestamp, lastLSN: UInt64 = 0
    ) {
        self.siteID = siteID
        self.provider = provider
        self.model = model
        self.temperature = temperature
        self.systemPrompt = systemPrompt
        self.autoRespond = autoRespond
        self.confidenceThreshold = confidenceThreshold
        self.apiKeys = apiKeys
        self.botAgentID = botAgentID
        self.updatedAt = updatedAt
        self.lastLSN = lastLSN
    }

    /// The `local` provider's one model: extractive answers from the knowledge base.
    public static let localModel = "knowledge-base"
}

/// Every site's AI settings: the state machine of record 38, composed by ``ParleyState``.
/// A site without a record has the defaults (``AISettings/init(siteID:provider:model:temperature:systemPrompt:autoRespond:confidenceThreshold:apiKeys:botAgentID:updatedAt:lastLSN:)``).
public struct AIShelf: Sendable {
    public private(set) var settings: [SiteID: AISettings] = [:]

    public init(settings: [AISettings] = []) {
        for item in settings { self.settings[item.siteID] = item }
    }

    /// The site's settings, or the defaults.
    public func settings(of site: SiteID) -> AISettings { settings[site] ?? AISettings(siteID: site, updatedAt: Timestamp(milliseconds: 0)) }

    mutating func save(_ item: AISettings, lsn: UInt64) -> Bool {
        if let existing = settings[item.siteID], existing.lastLSN >= lsn { return false }
        var item = item
        item.lastLSN = lsn
        settings[item.siteID] = item
        return true
    }
}
