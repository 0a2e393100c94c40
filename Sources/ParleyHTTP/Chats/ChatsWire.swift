import ParleyModel

/// How the chats dialect shows a conversation (CONTRACT §7): a support conversation is a
/// `personal` chat, a group chat of agents is not. Ids are bare integers.
enum ChatsWire {
    struct Chat: Encodable, Sendable {
        var id: UInt64
        var name: String
        var created_at: String
        /// The group chat's owner; for a support conversation its assigned agent, else `null`.
        @ExplicitNull var owner_id: UInt64?
        /// The group chat's members; for a support conversation its assigned agent, if any.
        var member_ids: [UInt64]
        var group_tag_ids: [UInt64]
        var channel: Bool
        var personal: Bool
        var `public`: Bool
        /// The last message's time, the chat's creation when it has none.
        var last_message_at: String
        @ExplicitNull var meet_room_url: String?
        /// `open` or `closed` (a group chat is always `open`).
        var status: String
        var archived: Bool
    }

    static func chat(_ conversation: Conversation, state: borrowing ParleyState) -> Chat {
        let lastMessageAt = (conversation.lastMessageAt ?? conversation.createdAt).rfc3339
        let status = conversation.status == .closed ? "closed" : "open"
        switch conversation.party {
        case .group(let group):
            return Chat(
                id: conversation.id.rawValue, name: group.name, created_at: conversation.createdAt.rfc3339,
                owner_id: group.ownerID.rawValue, member_ids: group.memberIDs.map(\.rawValue), group_tag_ids: [],
                channel: group.isChannel, personal: false, public: group.isPublic, last_message_at: lastMessageAt,
                meet_room_url: nil, status: status, archived: conversation.archivedAt != nil)
        case .visitor(let visitor):
            let name = conversation.subject ?? state.visitors[visitor].map(\.name).flatMap { $0.isEmpty ? nil : $0 }
                ?? "Visitor \(visitor.rawValue)"
            return Chat(
                id: conversation.id.rawValue, name: name, created_at: conversation.createdAt.rfc3339,
                owner_id: conversation.assignedAgentID?.rawValue, member_ids: conversation.assignedAgentID.map { [$0.rawValue] } ?? [],
                group_tag_ids: [], channel: false, personal: true, public: false, last_message_at: lastMessageAt,
                meet_room_url: nil, status: status, archived: conversation.archivedAt != nil)
        }
    }

    static func entry(_ conversation: Conversation) -> ChatsQuery.Entry {
        ChatsQuery.Entry(
            id: conversation.id.rawValue, lastMessageAt: (conversation.lastMessageAt ?? conversation.createdAt).milliseconds,
            personal: conversation.group == nil, archived: conversation.archivedAt != nil)
    }
}
