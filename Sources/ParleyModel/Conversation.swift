/// A conversation: a support conversation between one visitor and the agents of a site, or a
/// group chat of some of the site's agents (the chats dialect's `personal: false` chats).
///
/// Its messages and read cursors live in ``ConversationLog``; this is the header.
public struct Conversation: Hashable, Sendable {
    public var id: ConversationID
    public var siteID: SiteID
    /// Who the conversation is with: a visitor, or a group of agents (codec v11).
    public var party: Party
    public var assignedAgentID: AgentID?
    public var subject: String?
    public var createdAt: Timestamp
    public var closedAt: Timestamp?
    public var lastMessageAt: Timestamp?
    /// A JSON object given when the conversation was opened (omni `metadata`). Codec v5.
    public var metadataJSON: String?
    /// When the chat was archived (the chats dialect's `archived` flag); `nil` when it is not.
    /// Codec v11.
    public var archivedAt: Timestamp?

    /// A support conversation with a visitor.
    public init(
        id: ConversationID, siteID: SiteID, visitorID: VisitorID, assignedAgentID: AgentID? = nil,
        subject: String? = nil, createdAt: Timestamp, closedAt: Timestamp? = nil, lastMessageAt: Timestamp? = nil,
        metadataJSON: String? = nil, archivedAt: Timestamp? = nil
    ) {
        self.init(
            id: id, siteID: siteID, party: .visitor(visitorID), assignedAgentID: assignedAgentID, subject: subject,
            createdAt: createdAt, closedAt: closedAt, lastMessageAt: lastMessageAt, metadataJSON: metadataJSON,
            archivedAt: archivedAt)
    }

    public init(
        id: ConversationID, siteID: SiteID, party: Party, assignedAgentID: AgentID? = nil,
        subject: String? = nil, createdAt: Timestamp, closedAt: Timestamp? = nil, lastMessageAt: Timestamp? = nil,
        metadataJSON: String? = nil, archivedAt: Timestamp? = nil
    ) {
        self.id = id
        self.siteID = siteID
        self.party = party
        self.assignedAgentID = assignedAgentID
        self.subject = subject
        self.createdAt = createdAt
        self.closedAt = closedAt
        self.lastMessageAt = lastMessageAt
        self.metadataJSON = metadataJSON
        self.archivedAt = archivedAt
    }

    /// The visitor of a support conversation; `nil` for a group chat.
    public var visitorID: VisitorID? {
        if case .visitor(let visitor) = party { return visitor }
        return nil
    }

    /// The group of a group chat; `nil` for a support conversation.
    public var group: GroupChat? {
        if case .group(let group) = party { return group }
        return nil
    }

    /// Whether an agent of the conversation's site takes part: every agent in a support
    /// conversation, the members in a group chat.
    public func admits(agent: AgentID) -> Bool {
        group?.memberIDs.contains(agent) ?? true
    }

    /// One status model for every dialect (CONTRACT §7).
    public var status: ConversationStatus {
        if closedAt != nil { return .closed }
        return assignedAgentID == nil && group == nil ? .pending : .open
    }

    /// Who a conversation is with.
    public enum Party: Hashable, Sendable {
        case visitor(VisitorID)
        case group(GroupChat)
    }
}

/// `pending` while active with no agent, `open` while active with one, `closed` once closed.
public enum ConversationStatus: String, Sendable {
    case pending
    case open
    case closed
}
