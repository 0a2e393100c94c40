import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// Id parsing, paging and tenant scoping for the omni routes: malformed ids and parameters are
/// validation errors (422 in this dialect), ids outside the caller's site are 404.
enum OmniScope {
    static func id<Kind>(_ text: String?, field: String, as type: Identifier<Kind>.Type = Identifier<Kind>.self) throws
        -> Identifier<Kind>
    {
        guard let text, !text.isEmpty else { throw APIError.validation("\(field) is required") }
        guard let id = OmniID.parse(text, as: type) else {
            throw APIError.validation("\(field) must be a \(Kind.kind) id like \(OmniID.format(Identifier<Kind>(1)))")
        }
        return id
    }

    /// `page` (default 1) and `per_page` (default 20, at most 100) of a list (seed 003).
    struct Paging {
        var page: Int
        var perPage: Int

        init(_ query: Parameters) throws {
            guard let page = query["page"].map({ Int($0) }) ?? 1, page >= 1, page <= 1_000_000 else {
                throw APIError.validation("page must be a positive integer")
            }
            guard let perPage = query["per_page"].map({ Int($0) }) ?? 20, perPage >= 1, perPage <= 100 else {
                throw APIError.validation("per_page must be an integer from 1 to 100")
            }
            self.page = page
            self.perPage = perPage
        }

        func slice<Item>(_ items: [Item]) -> ArraySlice<Item> { items.dropFirst((page - 1) * perPage).prefix(perPage) }

        func meta(total: Int) -> OmniMeta { OmniMeta(total: total, page: page, per_page: perPage) }
    }

    /// A conversation of the caller's site named by `text`; 422 or 404 otherwise.
    static func conversation(_ text: String?, site: SiteID, broker: Broker) throws -> Conversation {
        let id: ConversationID = try id(text, field: "conversation_id")
        // Group chats belong to the chats dialect (and native messages); omni shows support only.
        guard let conversation = broker.conversation(id), conversation.siteID == site, conversation.group == nil else {
            throw APIError.notFound("conversation")
        }
        return conversation
    }

    /// A customer (visitor) of the caller's site.
    static func customer(_ text: String?, field: String = "customer_id", site: SiteID, broker: Broker) throws -> Visitor {
        let id: VisitorID = try id(text, field: field)
        guard let visitor = broker.visitor(id), visitor.siteID == site else { throw APIError.notFound("customer") }
        return visitor
    }

    /// An agent (team member) of the caller's site.
    static func agent(_ text: String?, field: String = "user_id", site: SiteID, broker: Broker) throws -> Agent {
        let id: AgentID = try id(text, field: field)
        guard let agent = broker.agent(id), agent.siteID == site else { throw APIError.notFound("user") }
        return agent
    }

    /// `limit` (50, at most 100) and `before` (an RFC 3339 time) of a message history.
    static func messagePage(_ query: Parameters) throws -> (page: MessagePage, limit: Int) {
        guard let limit = query["limit"].map({ Int($0) }) ?? 50, limit >= 1, limit <= 100 else {
            throw APIError.validation("limit must be an integer from 1 to 100")
        }
        guard let text = query["before"] else { return (.newest(limit: limit), limit) }
        guard let before = Timestamp(rfc3339: String(text)) else {
            throw APIError.validation("before must be an RFC 3339 time, e.g. 2026-02-03T12:00:00Z")
        }
        return (.beforeTime(before, limit: limit), limit)
    }

    /// The channels a conversation can come from; only the site's widget exists so far.
    static let channelKinds = ["widget", "telegram", "whatsapp"]

    static func channel(_ text: String?) throws -> String {
        let channel = text ?? "widget"
        guard channelKinds.contains(channel) else { throw APIError.validation("channel must be widget, telegram or whatsapp") }
        guard channel == "widget" else { throw APIError.validation("the site has no \(channel) channel; only widget is connected") }
        return channel
    }

    /// The message type and file of omni `attachments` (kind-6 UUIDs): at most one (the model
    /// keeps one file per message), a file of `site` that `mayUse` allows; another's is 404.
    static func attachment(
        _ attachments: [String]?, files: FileLibrary, site: SiteID, mayUse: (StoredFile) -> Bool = { _ in true }
    ) throws -> (type: ContentType, fileID: UInt64?) {
        let attachments = attachments ?? []
        guard attachments.count <= 1 else { throw APIError.invalid("attachments", "hold at most one file per message") }
        guard let attachment = attachments.first else { return (.text, nil) }
        let id: FileID = try id(attachment, field: "attachments")
        guard let file = files.file(id), file.siteID == site, mayUse(file) else { throw APIError.notFound("attachment") }
        return (file.isImage ? .image : .file, id.rawValue)
    }
}
