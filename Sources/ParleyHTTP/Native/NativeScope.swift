import ParleyEngine
import ParleyModel
import ParleyStorage

/// Id parsing and tenant scoping for the native routes: malformed ids are 400, ids outside the
/// caller's reach are 404 (never a 403 that confirms they exist).
enum NativeScope {
    static func id<Kind>(_ text: String?, field: String, as type: Identifier<Kind>.Type = Identifier<Kind>.self) throws
        -> Identifier<Kind>
    {
        guard let text, !text.isEmpty else { throw APIError.validation("\(field) is required") }
        guard let id = NativeID.parse(text, as: type) else {
            throw APIError.validation("\(field) must look like \(NativeID.prefix(Kind.kind))123")
        }
        return id
    }

    /// The caller's own site, when `text` names it; 404 for any other well-formed site id.
    static func site(_ text: String?, field: String = "site_id", principal: Principal) throws -> SiteID {
        let site: SiteID = try id(text, field: field)
        guard site == principal.site else { throw APIError.notFound("site") }
        return site
    }

    /// Whether `principal` may see the conversation: a group chat only its members (and the
    /// site's secret key).
    static func canSee(_ conversation: Conversation, _ principal: Principal) -> Bool {
        switch principal {
        case .agent(let agent, let site, _, _): conversation.siteID == site && conversation.admits(agent: agent)
        case .secretKey(let site): conversation.siteID == site
        case .visitor(let visitor, _): conversation.visitorID == visitor
        case .publicKey: false
        }
    }

    /// The conversation named by `text`, if the caller may see it; 400 or 404 otherwise. Group
    /// chats are conversations only to the message routes (`includingGroupChats`): the
    /// conversation routes serve support conversations.
    static func conversation(
        _ text: String?, field: String = "conversation_id", principal: Principal, broker: Broker, includingGroupChats: Bool = false
    ) throws -> Conversation {
        let conversationID: ConversationID = try id(text, field: field)
        guard let conversation = broker.conversation(conversationID), canSee(conversation, principal),
            includingGroupChats || conversation.group == nil
        else {
            throw APIError.notFound("conversation")
        }
        return conversation
    }

    /// A visitor of `site` named by its native id (`visitor_3`) or its client id (`v_uuid_…`).
    static func visitor(_ text: String?, field: String = "visitor_id", site: SiteID, broker: Broker) throws -> Visitor {
        guard let text, !text.isEmpty else { throw APIError.validation("\(field) is required") }
        let visitor: Visitor? = broker.store.read { state in
            if let id = NativeID.parse(text, as: VisitorID.self), let visitor = state.visitors[id], visitor.siteID == site {
                return visitor
            }
            return state.visitorsByExternalID[SiteScopedKey(site: site, key: text)].flatMap { state.visitors[$0] }
        }
        guard let visitor else { throw APIError.notFound("visitor") }
        return visitor
    }

    /// The participant behind a principal that may read and write in conversations.
    static func participant(_ principal: Principal) -> Participant? {
        switch principal {
        case .agent(let id, _, _, _): .agent(id)
        case .visitor(let id, _): .visitor(id)
        case .secretKey, .publicKey: nil
        }
    }

    /// A strict boolean query value (`true`/`false`/`1`/`0`); `default` when absent.
    static func flag(_ text: Substring?, name: String, default value: Bool) throws -> Bool {
        switch text {
        case nil: return value
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.validation("\(name) must be true or false")
        }
    }

    /// A 1-based page number (default 1).
    static func page(_ text: Substring?) throws -> Int {
        guard let page = text.map({ Int($0) }) ?? 1, page >= 1, page <= 1_000_000 else {
            throw APIError.validation("page must be a positive integer")
        }
        return page
    }

    /// A positive page size, at most `max`.
    static func limit(_ text: String?, default value: Int, max: Int) throws -> Int {
        guard let text else { return value }
        guard let limit = Int(text), limit >= 1, limit <= max else {
            throw APIError.validation("limit must be an integer from 1 to \(max)")
        }
        return limit
    }
}
