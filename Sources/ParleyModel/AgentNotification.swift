/// Something that needs an agent's attention (CONTRACT §7). Made by ``ParleyState`` while it
/// applies the events that matter, so replay makes exactly the same ones.
public struct AgentNotification: Hashable, Sendable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        case newConversation = 1
        case newMessage = 2
        case assigned = 3

        public var name: String {
            switch self {
            case .newConversation: "new_conversation"
            case .newMessage: "new_message"
            case .assigned: "assigned"
            }
        }
    }

    public var id: UInt64
    public var agentID: AgentID
    public var kind: Kind
    public var conversationID: ConversationID
    public var messageID: MessageID?
    public var createdAt: Timestamp
    public var read: Bool

    public init(
        id: UInt64, agentID: AgentID, kind: Kind, conversationID: ConversationID, messageID: MessageID? = nil,
        createdAt: Timestamp, read: Bool = false
    ) {
        self.id = id
        self.agentID = agentID
        self.kind = kind
        self.conversationID = conversationID
        self.messageID = messageID
        self.createdAt = createdAt
        self.read = read
    }
}
