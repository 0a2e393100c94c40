/// A tenant: one website with its widget, its agents and its visitors.
public struct Site: Hashable, Sendable {
    public var id: SiteID
    public var name: String
    /// The website origin, e.g. `https://mystore.com`; browser WebSockets must come from it.
    public var domain: String
    /// The widget key `pk_…` (public).
    public var publicKey: String
    /// The server-to-server key `sk_…` (owner rights).
    public var secretKey: String
    public var ownerAgentID: AgentID?
    public var widget: WidgetConfig
    public var createdAt: Timestamp
    /// The LSN of the last log record applied to this entity (makes replay idempotent).
    public var lastLSN: UInt64

    public init(
        id: SiteID, name: String, domain: String, publicKey: String, secretKey: String,
        ownerAgentID: AgentID? = nil, widget: WidgetConfig = WidgetConfig(), createdAt: Timestamp,
        lastLSN: UInt64 = 0
    ) {
        self.id = id
        self.name = name
        self.domain = domain
        self.publicKey = publicKey
        self.secretKey = secretKey
        self.ownerAgentID = ownerAgentID
        self.widget = widget
        self.createdAt = createdAt
        self.lastLSN = lastLSN
    }
}

/// The chat widget's look and greeting texts.
public struct WidgetConfig: Hashable, Sendable {
    public var primaryColor: String
    public var welcomeMessage: String
    public var offlineMessage: String

    public init(
        primaryColor: String = "#2563eb", welcomeMessage: String = "Hi! How can we help you?",
        offlineMessage: String = "We're currently offline. Leave a message!"
    ) {
        self.primaryColor = primaryColor
        self.welcomeMessage = welcomeMessage
        self.offlineMessage = offlineMessage
    }
}
