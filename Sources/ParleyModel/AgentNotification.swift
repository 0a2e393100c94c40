/// Something that needs an agent's attention (CONTRACT §7). Made by ``ParleyState`` while it
/// applies the events that matter, so replay makes exactly the same ones.
public struct AgentNotification: Hashable, Sendable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        case newConversation = 1
        case newMessage = 2
        case assigned = 3
        /// A webhook of the agent's site failed for 24 h and was disabled (owners; codec v12).
        case webhookDisabled = 4

        public var name: String {
            switch self {
            case .newConversation: "new_conversation"
            case .newMessage: "new_message"
            case .assigned: "assigned"
            case .webhookDisabled: "webhook_disabled"
            }
        }
    }

    public var id: UInt64
    public var agentID: AgentID
    public var kind: Kind
    /// The conversation it is about (`nil` for a webhook notification).
    public var conversationID: ConversationID?
    /// The webhook it is about (codec v12).
    public var webhookID: WebhookID?
    public var messageID: MessageID?
    public var createdAt: Timestamp
    public var read: Bool

    public init(
        id: UInt64, agentID: AgentID, kind: Kind, conversationID: ConversationID?, messageID: MessageID? = nil,
        webhookID: WebhookID? = nil, createdAt: Timestamp, read: Bool = false
    ) {
        self.webhookID = webhookID
        self.id = id
        self.agentID = agentID
        self.kind = kind
        self.conversationID = conversationID
        self.messageID = messageID
        self.createdAt = createdAt
        self.read = read
    }
}
