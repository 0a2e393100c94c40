import ParleyEngine
public import ParleyModel
import ParleyStorage

/// The omni dialect's JSON shapes (seed 003), built from the model: UUID-form ids (CONTRACT §2),
/// statuses `pending|open|closed`, senders `customer|agent|system|bot`. Keys the seed shows are
/// always present (`null` when empty).
public enum OmniWire {
    struct CustomerRef: Encodable, Sendable {
        var id: String
        var name: String
        @ExplicitNull var email: String?
    }

    struct LastMessage: Encodable, Sendable {
        var content: String
        var sender_type: String
        var created_at: String
    }

    struct Conversation: Encodable, Sendable {
        var id: String
        var customer: CustomerRef
        var channel: String
        var status: String
        @ExplicitNull var subject: String?
        @ExplicitNull var last_message: LastMessage?
        @ExplicitNull var assigned_to: String?
        var unread_count: Int
        var created_at: String
        var updated_at: String
        @ExplicitNull var closed_at: String?
    }

    /// `sender_type` and `sender_id` of a message (shared with the omni WebSocket frames).
    public static func sender(_ sender: Sender) -> (type: String, id: String?) {
        (senderType(sender), senderID(sender).map { OmniID.format(kind: $0.kind, value: $0.value) })
    }

    /// The kind and integer of a message's `sender_id` (`nil` for the system), for writing it
    /// without a string of its own (the omni WebSocket frames).
    public static func senderID(_ sender: Sender) -> (kind: EntityKind, value: UInt64)? {
        switch sender {
        case .visitor(let id): (VisitorKind.kind, id.rawValue)
        case .agent(let id), .bot(let id): (AgentKind.kind, id.rawValue)
        case .system: nil
        }
    }

    /// A message's `sender_type`.
    public static func senderType(_ sender: Sender) -> String {
        switch sender {
        case .visitor: "customer"
        case .agent: "agent"
        case .bot: "bot"
        case .system: "system"
        }
    }

    /// A conversation as the omni dialect shows it; `updated_at` is its latest change that the
    /// model dates (opened, last message, closed). `reader` sees its own unread count.
    /// `cold` reads an unread count whose reader's cursor is in cold history.
    static func conversation(
        _ log: ConversationLog, reader: Participant?, state: borrowing ParleyState, cold: some ColdHistory
    ) -> Conversation {
        let header = log.conversation
        let visitor = header.visitorID.flatMap { state.visitors[$0] }
        let updated = [header.createdAt, header.lastMessageAt, header.closedAt].compactMap { $0 }.max() ?? header.createdAt
        return Conversation(
            id: OmniID.format(header.id),
            customer: CustomerRef(id: header.visitorID.map(OmniID.format) ?? "", name: visitor?.name ?? "", email: visitor?.email),
            channel: "widget", status: header.status.rawValue, subject: header.subject,
            last_message: log.lastMessage.map {
                LastMessage(content: $0.content, sender_type: sender($0.sender).type, created_at: $0.createdAt.rfc3339)
            },
            assigned_to: header.assignedAgentID.map(OmniID.format),
            unread_count: reader.map { log.unreadCount(for: $0, cold: cold) } ?? 0,
            created_at: header.createdAt.rfc3339, updated_at: updated.rfc3339, closed_at: header.closedAt?.rfc3339)
    }

    struct Message: Encodable, Sendable {
        var id: String
        var conversation_id: String
        var seq: UInt64
        var sender_type: String
        @ExplicitNull var sender_id: String?
        var content: String
        var attachments: [String]
        var metadata: JSONValue
        @ExplicitNull var client_message_id: String?
        var created_at: String
    }

    static func message(_ message: ParleyModel.Message) -> Message {
        let (type, id) = sender(message.sender)
        return Message(
            id: OmniID.format(message.id), conversation_id: OmniID.format(message.conversationID), seq: message.seq,
            sender_type: type, sender_id: id, content: message.content,
            attachments: message.fileID.map { [OmniID.format(Identifier<FileKind>($0))] } ?? [],
            metadata: message.metadataJSON.flatMap(JSONValue.init(text:)) ?? .object([:]),
            client_message_id: message.clientMessageID, created_at: message.createdAt.rfc3339)
    }

    struct Customer: Encodable, Sendable {
        var id: String
        var external_id: String
        /// The site's own user id, once identified.
        @ExplicitNull var user_id: String?
        var name: String
        @ExplicitNull var email: String?
        @ExplicitNull var phone: String?
        var metadata: JSONValue
        var status: String
        var conversations_count: Int
        var first_seen: String
        var last_seen: String
    }

    /// A customer (a visitor, CONTRACT §1) with its conversation count and live presence.
    static func customer(_ visitor: Visitor, userID: String?, conversations: Int, presence: PresenceBoard) -> Customer {
        let (online, lastSeen) = presence.status(of: visitor)
        return Customer(
            id: OmniID.format(visitor.id), external_id: visitor.externalID, user_id: userID, name: visitor.name, email: visitor.email,
            phone: visitor.phone, metadata: visitor.metadataJSON.flatMap(JSONValue.init(text:)) ?? .object([:]),
            status: online ? "online" : "offline", conversations_count: conversations, first_seen: visitor.firstSeenAt.rfc3339,
            last_seen: lastSeen.rfc3339)
    }
}
