public import ParleyModel
import ParleyStorage

extension Broker {
    /// The most members a group chat may have.
    public static let maxGroupChatMembers = 1000

    /// Opens a group chat of agents of `site`: `owner` and `members` (the owner is always a
    /// member). Messages go into it like into any conversation; only members see them.
    public func openGroupChat(
        site: SiteID, owner: AgentID, name: String, members: [AgentID], isChannel: Bool, isPublic: Bool
    ) async throws -> Conversation {
        try Validate.text(name, field: "name", max: limits.maxNameBytes)
        guard members.count <= Self.maxGroupChatMembers else {
            throw EngineError.validation("a group chat has at most \(Self.maxGroupChatMembers) members")
        }
        let unknown: AgentID? = store.read { state in
            ([owner] + members).first { state.agents[$0]?.siteID != site }
        }
        if let unknown { throw EngineError.validation("no user \(unknown.rawValue) in this account") }
        let group = GroupChat(name: name, ownerID: owner, memberIDs: members, isChannel: isChannel, isPublic: isPublic)
        return try await open { id in Conversation(id: id, siteID: site, party: .group(group), createdAt: .now()) }
    }

    /// Renames a group chat or makes it public or private.
    public func updateGroupChat(_ id: ConversationID, name: String, isPublic: Bool) async throws -> Conversation {
        try Validate.text(name, field: "name", max: limits.maxNameBytes)
        guard let group = conversation(id)?.group else { throw EngineError.notFound("chat not found") }
        if group.name != name || group.isPublic != isPublic {
            try await store.commit(.groupChatUpdated(id, name: name, isPublic: isPublic, at: .now()))
        }
        guard let updated = conversation(id) else { throw EngineError.notFound("chat not found") }
        return updated
    }

    /// Archives a chat (any conversation) or brings it back; doing it twice changes nothing.
    public func setArchived(_ id: ConversationID, _ archived: Bool) async throws -> Conversation {
        guard let current = conversation(id) else { throw EngineError.notFound("chat not found") }
        if (current.archivedAt != nil) != archived {
            try await store.commit(.conversationArchived(id, archived: archived, at: .now()))
        }
        guard let updated = conversation(id) else { throw EngineError.notFound("chat not found") }
        return updated
    }
}
