import ParleyEngine
import ParleyModel
import ParleyStorage

/// The native dialect's JSON shapes (seed 004), built from the model. Property names are the
/// wire names.
enum NativeWire {
    struct UserRef: Codable, Sendable {
        var id: String
        var username: String?
        var name: String?
    }

    struct User: Codable, Sendable {
        var id: String
        var username: String
        var email: String
        var name: String
        var role: String
        var site_ids: [String]
        var status: String
        var created_at: String
        var last_seen: String?
    }

    static func role(_ role: AgentRole) -> String { role == .agent ? "support_agent" : "admin" }

    static func user(_ agent: Agent) -> User {
        User(
            id: NativeID.format(agent.id), username: agent.username, email: agent.email, name: agent.displayName,
            role: role(agent.role), site_ids: [NativeID.format(agent.siteID)], status: agent.availability.name,
            created_at: agent.createdAt.rfc3339, last_seen: agent.lastSeenAt?.rfc3339)
    }

    struct Message: Codable, Sendable {
        var id: String
        var conversation_id: String
        var seq: UInt64
        var from: String
        var sender: UserRef
        var content: String
        var type: String
        var file_id: String?
        var client_message_id: String?
        var created_at: String
        var status: String
    }

    static func from(_ sender: Sender) -> String {
        switch sender {
        case .visitor: "visitor"
        case .agent, .bot: "support"
        case .system: "system"
        }
    }

    /// A message as `reader` sees it; `status` is derived from the other side's read cursor.
    static func message(_ message: ParleyModel.Message, in log: ConversationLog, state: borrowing ParleyState) -> Message {
        let senderRef: UserRef
        switch message.sender {
        case .visitor(let id):
            let visitor = state.visitors[id]
            senderRef = UserRef(id: visitor?.externalID ?? NativeID.format(id), username: nil, name: visitor?.name)
        case .agent(let id), .bot(let id):
            let agent = state.agents[id]
            senderRef = UserRef(id: NativeID.format(id), username: agent?.username, name: agent?.displayName)
        case .system:
            senderRef = UserRef(id: "system", username: nil, name: "System")
        }
        return Message(
            id: NativeID.format(message.id), conversation_id: NativeID.format(message.conversationID), seq: message.seq,
            from: from(message.sender), sender: senderRef, content: message.content, type: message.contentType.name,
            file_id: message.fileID.map { "file_\($0)" }, client_message_id: message.clientMessageID,
            created_at: message.createdAt.rfc3339, status: readStatus(of: message, in: log))
    }

    /// `read` once someone on the other side has read up to it, else `sent`.
    static func readStatus(of message: ParleyModel.Message, in log: ConversationLog) -> String {
        let writerIsVisitor: Bool = if case .visitor = message.sender { true } else { false }
        let readByOtherSide = log.readCursors.contains { participant, cursor in
            let readerIsVisitor: Bool = if case .visitor = participant { true } else { false }
            return readerIsVisitor != writerIsVisitor && cursor.seq >= message.seq
        }
        return readByOtherSide ? "read" : "sent"
    }

    static func status(_ conversation: Conversation) -> String {
        conversation.status == .closed ? "closed" : "active"
    }
}
