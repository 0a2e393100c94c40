import ParleyEngine
public import ParleyModel
import ParleyStorage

/// The native dialect's JSON shapes (seed 004), built from the model. Property names are the
/// wire names. The sender pieces are public: the native WebSocket protocol uses them too.
public enum NativeWire {
    public struct UserRef: Codable, Sendable {
        public var id: String
        public var username: String?
        public var name: String?
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

    /// The paging block of list answers (seed 004 §2.2, §4.3).
    struct Pagination: Encodable, Sendable {
        var page: Int
        var limit: Int
        var total: Int
    }

    static func role(_ role: AgentRole) -> String { role == .agent ? "support_agent" : "admin" }

    static func user(_ agent: Agent, presence: PresenceBoard) -> User {
        User(
            id: NativeID.format(agent.id), username: agent.username, email: agent.email, name: agent.displayName,
            role: role(agent.role), site_ids: [NativeID.format(agent.siteID)], status: agent.availability.name,
            created_at: agent.createdAt.rfc3339, last_seen: lastSeen(agent, presence: presence)?.rfc3339)
    }

    /// When the agent was last seen: now while a WebSocket session of theirs is open (or within
    /// the grace period after it closed); else the later of their last session's close (since
    /// the process started) and their last status change; `nil` when neither ever happened.
    static func lastSeen(_ agent: Agent, presence: PresenceBoard) -> Timestamp? {
        switch presence.seen(.agent(agent.id)) {
        case .online: .now()
        case .left(let closed): max(closed, agent.lastSeenAt ?? closed)
        case .unknown: agent.lastSeenAt
        }
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

    /// A message's `from`: `visitor`, `support` or `system`.
    public static func from(_ sender: Sender) -> String {
        switch sender {
        case .visitor: "visitor"
        case .agent, .bot: "support"
        case .system: "system"
        }
    }

    /// A page of history as `reader` gets it, after recording that it reached the reader's side
    /// (so the writers see those messages `delivered`).
    static func history(
        _ messages: [ParleyModel.Message], of conversation: ConversationID, reader: Participant?, broker: Broker
    ) -> [Message] {
        if let reader, let newest = messages.map(\.seq).max() {
            broker.deliveries.markDelivered(conversation, to: ConversationSide(reader), through: newest)
        }
        let delivered = broker.deliveries.deliveredThrough(conversation)
        return broker.store.read { state in
            guard let log = state.conversations[conversation] else { return [] }
            return messages.map { message($0, in: log, state: state, delivered: delivered) }
        }
    }

    /// A message on the wire; `status` is derived from the other side's cursors.
    static func message(
        _ message: ParleyModel.Message, in log: ConversationLog, state: borrowing ParleyState, delivered: DeliveredThrough
    ) -> Message {
        Message(
            id: NativeID.format(message.id), conversation_id: NativeID.format(message.conversationID), seq: message.seq,
            from: from(message.sender), sender: sender(message.sender, state: state), content: message.content, type: message.contentType.name,
            file_id: message.fileID.map { "file_\($0)" }, client_message_id: message.clientMessageID,
            created_at: message.createdAt.rfc3339, status: DeliveryStatus(of: message, in: log, delivered: delivered).rawValue)
    }

    /// Who wrote a message: a visitor by its client id, an agent or bot by `user_N`, or the system.
    public static func sender(_ sender: Sender, state: borrowing ParleyState) -> UserRef {
        switch sender {
        // One lookup each: a `Visitor` or an `Agent` read out of the state is a copy of all its
        // strings, and every message frame names its sender.
        case .visitor(let id):
            if let visitor = state.visitors[id] {
                UserRef(id: visitor.externalID, username: nil, name: visitor.name)
            } else {
                UserRef(id: NativeID.format(id), username: nil, name: nil)
            }
        case .agent(let id), .bot(let id):
            if let agent = state.agents[id] {
                UserRef(id: NativeID.format(id), username: agent.username, name: agent.displayName)
            } else {
                UserRef(id: NativeID.format(id), username: nil, name: nil)
            }
        case .system:
            UserRef(id: "system", username: nil, name: "System")
        }
    }

    /// A visitor as native clients know it: its own client id (`visitor_N` if it is unknown).
    public static func visitorID(_ id: VisitorID, state: borrowing ParleyState) -> String {
        state.visitors[id]?.externalID ?? NativeID.format(id)
    }

    static func status(_ conversation: Conversation) -> String {
        conversation.status == .closed ? "closed" : "active"
    }
}
