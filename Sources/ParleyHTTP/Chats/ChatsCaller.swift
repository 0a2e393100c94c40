import ParleyModel

/// Who calls the chats dialect and what it may reach: an agent (its site's support
/// conversations, its group chats and the site's public ones), or the site's secret key
/// (everything on the site, with the owner's rights). Visitors have no chats (403).
struct ChatsCaller: Sendable {
    var site: SiteID
    /// `nil` for the secret key.
    var agent: AgentID?
    /// Owners and admins (and the secret key) manage any group chat of the site.
    var isAdmin: Bool

    init(_ principal: Principal?) throws {
        switch principal {
        case .agent(let id, let site, let role, _)?:
            self.site = site
            agent = id
            isAdmin = role != .agent
        case .secretKey(let site)?:
            self.site = site
            agent = nil
            isAdmin = true
        case .visitor?, .publicKey?: throw APIError.forbidden("chats are for agents")
        case nil: throw APIError.unauthorized("missing or invalid authorization")
        }
    }

    /// Takes part: every agent in a support conversation, the members in a group chat (the
    /// secret key in every chat of its site).
    func takesPart(in conversation: Conversation) -> Bool {
        guard conversation.siteID == site else { return false }
        guard let agent else { return true }
        return conversation.admits(agent: agent)
    }

    /// May see the chat: takes part in it, or it is a public group chat of the site.
    func sees(_ conversation: Conversation) -> Bool {
        takesPart(in: conversation) || (conversation.siteID == site && conversation.group?.isPublic == true)
    }

    /// May rename it or change who finds it: the group chat's owner, or an admin.
    func manages(_ group: GroupChat) -> Bool {
        isAdmin || group.ownerID == agent
    }
}
