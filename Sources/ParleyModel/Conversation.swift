/// A support conversation between one visitor and the agents of a site.
///
/// Its messages and read cursors live in ``ConversationLog``; this is the header.
public struct Conversation: Hashable, Sendable {
    public var id: ConversationID
    public var siteID: SiteID
    public var visitorID: VisitorID
    public var assignedAgentID: AgentID?
    public var subject: String?
    public var createdAt: Timestamp
    public var closedAt: Timestamp?
    public var lastMessageAt: Timestamp?
    /// A JSON object given when the conversation was opened (omni `metadata`). Codec v5.
    public var metadataJSON: String?

    public init(
        id: ConversationID, siteID: SiteID, visitorID: VisitorID, assignedAgentID: AgentID? = nil,
        subject: String? = nil, createdAt: Timestamp, closedAt: Timestamp? = nil, lastMessageAt: Timestamp? = nil,
        metadataJSON: String? = nil
    ) {
        self.id = id
        self.siteID = siteID
        self.visitorID = visitorID
        self.assignedAgentID = assignedAgentID
        self.subject = subject
        self.createdAt = createdAt
        self.closedAt = closedAt
        self.lastMessageAt = lastMessageAt
        self.metadataJSON = metadataJSON
    }

    /// One status model for every dialect (CONTRACT §7).
    public var status: ConversationStatus {
        if closedAt != nil { return .closed }
        return assignedAgentID == nil ? .pending : .open
    }
}

/// `pending` while active with no agent, `open` while active with one, `closed` once closed.
public enum ConversationStatus: String, Sendable {
    case pending
    case open
    case closed
}
