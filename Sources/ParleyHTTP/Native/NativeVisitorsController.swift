import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/v1/visitors` (seed 004 §3). Registering needs no credentials (the site id is enough,
/// CONTRACT §7); reading visitors is for the site's staff, and for a visitor reading itself.
struct NativeVisitorsController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post("visitors", use: create)
        group.get("visitors/active", use: active)
        group.get("visitors/:visitor_id", use: get)
    }

    struct CreateRequest: Decodable {
        var site_id: String
        var visitor_id: String
        var name: String
        var email: String?
        var metadata: JSONValue?
    }

    struct Created: Encodable, Sendable {
        var id: String
        var visitor_id: String
        var name: String
        var email: String?
        var session_token: String
        var created_at: String
    }

    @Sendable func create(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<NativeSuccess<Created>> {
        let body = try await request.decode(as: CreateRequest.self, context: context)
        let site: SiteID = try NativeScope.id(body.site_id, field: "site_id")
        if let principal = context.principal, principal.site != site { throw APIError.notFound("site") }
        guard broker.site(site) != nil else { throw APIError.notFound("site") }
        let metadata = try JSONValue.objectText(body.metadata)
        let (visitor, created) = try await broker.directory.registerVisitor(
            site: site, externalID: body.visitor_id, name: body.name, email: body.email, metadataJSON: metadata)
        let token = try await broker.accounts.issueVisitorSession(for: visitor.id)
        return EditedResponse(
            status: created ? .created : .ok,
            response: NativeSuccess(
                Created(
                    id: NativeID.format(visitor.id), visitor_id: visitor.externalID, name: visitor.name, email: visitor.email,
                    session_token: token, created_at: visitor.firstSeenAt.rfc3339)))
    }

    struct Details: Encodable, Sendable {
        var id: String
        var visitor_id: String
        var name: String
        var email: String?
        var metadata: JSONValue?
        var site_id: String
        var first_seen: String
        var last_seen: String
        var total_conversations: Int
        var status: String
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<Details> {
        let principal = try context.requirePrincipal()
        let visitor = try NativeScope.visitor(context.parameters.get("visitor_id"), site: principal.site, broker: broker)
        switch principal {
        case .agent, .secretKey: break
        case .visitor(let id, _) where id == visitor.id: break
        default: throw APIError.notFound("visitor")
        }
        if let siteText = request.uri.queryParameters["site_id"].map(String.init) {
            _ = try NativeScope.site(siteText, principal: principal)
        }
        let conversations = broker.store.read { state in
            state.conversationsByVisitor[visitor.id]?.count ?? 0
        }
        let (online, lastSeen) = broker.presence.status(of: visitor)
        return NativeSuccess(
            Details(
                id: NativeID.format(visitor.id), visitor_id: visitor.externalID, name: visitor.name, email: visitor.email,
                metadata: visitor.metadataJSON.flatMap(JSONValue.init(text:)), site_id: NativeID.format(visitor.siteID),
                first_seen: visitor.firstSeenAt.rfc3339, last_seen: lastSeen.rfc3339,
                total_conversations: conversations, status: online ? "online" : "offline"))
    }

    struct ActiveVisitor: Encodable, Sendable {
        var id: String
        var visitor_id: String
        var name: String
        var status: String
        /// Every key is present; what a visitor lacks is `null`.
        @ExplicitNull var current_page: String?
        @ExplicitNull var conversation_id: String?
        var unread_count: Int
        @ExplicitNull var last_message_at: String?
    }

    struct ActiveList: Encodable, Sendable {
        var visitors: [ActiveVisitor]
        var total: Int
    }

    /// The site's visitors who are online now (live WebSocket presence, CONTRACT §7), each with
    /// its open conversation (if any), the caller's unread count there and the page it is on
    /// (`metadata.page_url`); newest activity first, then by id.
    @Sendable func active(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<ActiveList> {
        _ = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let site = try NativeScope.site(request.uri.queryParameters["site_id"].map(String.init), principal: principal)
        let reader = NativeScope.participant(principal)
        let online = broker.presence.online(site: site).compactMap { participant -> VisitorID? in
            if case .visitor(let id) = participant { id } else { nil }
        }
        let visitors: [(ActiveVisitor, Timestamp?, VisitorID)] = broker.store.read { state in
            online.compactMap { id in
                guard let visitor = state.visitors[id], visitor.siteID == site else { return nil }
                let log = state.openConversationByVisitor[id].flatMap { state.conversations[$0] }
                let page = visitor.metadataJSON.flatMap(JSONValue.init(text:)).flatMap { metadata -> String? in
                    if case .object(let fields) = metadata, case .string(let url)? = fields["page_url"] { url } else { nil }
                }
                let item = ActiveVisitor(
                    id: NativeID.format(id), visitor_id: visitor.externalID, name: visitor.name, status: "online",
                    current_page: page, conversation_id: log.map { NativeID.format($0.conversation.id) },
                    unread_count: log.flatMap { log in reader.map { log.unreadCount(for: $0, cold: broker.store.history) } } ?? 0,
                    last_message_at: log?.conversation.lastMessageAt?.rfc3339)
                return (item, log?.conversation.lastMessageAt, id)
            }
        }
        let sorted = visitors.sorted { left, right in
            left.1 != right.1 ? (left.1 ?? Timestamp(milliseconds: .min)) > (right.1 ?? Timestamp(milliseconds: .min)) : left.2 < right.2
        }.map(\.0)
        return NativeSuccess(ActiveList(visitors: sorted, total: sorted.count))
    }
}
