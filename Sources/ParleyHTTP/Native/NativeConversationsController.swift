import HTTPTypes
import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/v1/conversations` (seed 004 §4). Visitors open and read their own; the site's staff
/// open them for any visitor of the site, list, close and assign them.
struct NativeConversationsController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post("conversations", use: create)
        group.get("conversations", use: list)
        group.get("conversations/:conversation_id", use: get)
        group.patch("conversations/:conversation_id/close", use: close)
        group.patch("conversations/:conversation_id/assign", use: assign)
    }

    struct VisitorRef: Encodable, Sendable {
        var id: String
        var name: String
    }

    static func visitorRef(_ id: VisitorID?, _ broker: Broker) -> VisitorRef {
        guard let id else { return VisitorRef(id: "", name: "") }
        let visitor = broker.visitor(id)
        return VisitorRef(id: visitor?.externalID ?? NativeID.format(id), name: visitor?.name ?? "")
    }

    static func agentRef(_ id: AgentID?, _ broker: Broker) -> NativeWire.UserRef? {
        guard let id else { return nil }
        let agent = broker.agent(id)
        return NativeWire.UserRef(id: NativeID.format(id), username: agent?.username, name: agent?.displayName)
    }

    struct CreateRequest: Decodable {
        var site_id: String
        var visitor_id: String?
        var subject: String?
    }

    struct Created: Encodable, Sendable {
        var id: String
        var site_id: String
        var visitor_id: String
        var status: String
        var created_at: String
    }

    @Sendable func create(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<NativeSuccess<Created>> {
        let principal = try context.requirePrincipal()
        let body = try await request.decode(as: CreateRequest.self, context: context)
        let site = try NativeScope.site(body.site_id, principal: principal)
        let visitor: Visitor
        switch principal {
        case .visitor(let id, _):
            // A visitor opens conversations for itself only: visitor_id is required (seed §4.1)
            // and must be its own.
            guard let named = body.visitor_id, !named.isEmpty else { throw APIError.validation("visitor_id is required") }
            guard let own = broker.visitor(id) else { throw APIError.unauthorized("the visitor no longer exists") }
            guard named == own.externalID || named == NativeID.format(own.id) else { throw APIError.notFound("visitor") }
            visitor = own
        case .agent, .secretKey:
            visitor = try NativeScope.visitor(body.visitor_id, site: site, broker: broker)
        case .publicKey:
            throw APIError.forbidden("a widget key cannot open conversations; register the visitor first")
        }
        let conversation = try await broker.openConversation(site: site, visitor: visitor.id, subject: body.subject)
        return EditedResponse(
            status: .created,
            response: NativeSuccess(
                Created(
                    id: NativeID.format(conversation.id), site_id: NativeID.format(site), visitor_id: visitor.externalID,
                    status: NativeWire.status(conversation), created_at: conversation.createdAt.rfc3339)))
    }

    struct Details: Encodable, Sendable {
        var id: String
        var site_id: String
        var visitor: VisitorRef
        var assigned_agent: NativeWire.UserRef?
        var status: String
        var subject: String?
        var created_at: String
        var closed_at: String?
        var last_message_at: String?
        var unread_count: Int?
        var messages: [NativeWire.Message]?
        var has_more_messages: Bool?
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<Details> {
        let principal = try context.requirePrincipal()
        let conversation = try NativeScope.conversation(
            context.parameters.get("conversation_id"), principal: principal, broker: broker)
        let query = request.uri.queryParameters
        let include = try NativeScope.flag(query["include_messages"], name: "include_messages", default: true)
        let limit = try NativeScope.limit(query["messages_limit"].map(String.init), default: 50, max: 100)
        // Every parameter is checked, even those that include_messages=false makes moot.
        let before: MessageID? = try query["messages_before"].map { try NativeScope.id(String($0), field: "messages_before") }
        var messages: [NativeWire.Message]?
        var hasMore: Bool?
        if include {
            let page: MessagePage = before.map { .before($0, limit: limit) } ?? .newest(limit: limit)
            let result = try broker.messages(conversation.id, page: page)
            messages = NativeWire.history(
                result.messages, of: conversation.id, reader: NativeScope.participant(principal), broker: broker)
            hasMore = result.hasMore
        }
        let unread = NativeScope.participant(principal).flatMap { broker.unreadCount(conversation.id, for: $0) }
        return NativeSuccess(
            Details(
                id: NativeID.format(conversation.id), site_id: NativeID.format(conversation.siteID),
                visitor: Self.visitorRef(conversation.visitorID, broker),
                assigned_agent: Self.agentRef(conversation.assignedAgentID, broker), status: NativeWire.status(conversation),
                subject: conversation.subject, created_at: conversation.createdAt.rfc3339,
                closed_at: conversation.closedAt?.rfc3339, last_message_at: conversation.lastMessageAt?.rfc3339,
                unread_count: unread, messages: messages, has_more_messages: hasMore))
    }

    struct Summary: Encodable, Sendable {
        struct LastMessage: Encodable, Sendable {
            var content: String
            var from: String
            var created_at: String
        }

        var id: String
        var visitor: VisitorRef
        var assigned_agent: NativeWire.UserRef?
        var last_message: LastMessage?
        var unread_count: Int
        var status: String
        var created_at: String
    }

    struct ListBody: Encodable, Sendable {
        var conversations: [Summary]
        var pagination: NativeWire.Pagination
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<ListBody> {
        _ = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let site = try NativeScope.site(query["site_id"].map(String.init), principal: principal)
        let status = query["status"].map(String.init) ?? "all"
        guard ["active", "closed", "all"].contains(status) else {
            throw APIError.validation("status must be active, closed or all")
        }
        let assignedTo: AgentID? = try query["assigned_to"].map { try NativeScope.id(String($0), field: "assigned_to") }
        let limit = try NativeScope.limit(query["limit"].map(String.init), default: 20, max: 100)
        let page = try NativeScope.page(query["page"])
        let reader = NativeScope.participant(principal)
        let matching = broker.conversations(site: site).filter { conversation in
            (status == "all" || NativeWire.status(conversation) == status)
                && (assignedTo == nil || conversation.assignedAgentID == assignedTo)
        }
        let pageItems = matching.dropFirst((page - 1) * limit).prefix(limit)
        let summaries: [Summary] = broker.store.read { state in
            pageItems.compactMap { conversation in
                guard let log = state.conversations[conversation.id] else { return nil }
                let last = log.lastMessage.map {
                    Summary.LastMessage(content: $0.content, from: NativeWire.from($0.sender), created_at: $0.createdAt.rfc3339)
                }
                let visitor = conversation.visitorID.flatMap { state.visitors[$0] }
                let agent = conversation.assignedAgentID.flatMap { state.agents[$0] }
                return Summary(
                    id: NativeID.format(conversation.id),
                    visitor: VisitorRef(id: visitor?.externalID ?? "", name: visitor?.name ?? ""),
                    assigned_agent: agent.map { NativeWire.UserRef(id: NativeID.format($0.id), username: $0.username, name: $0.displayName) },
                    last_message: last, unread_count: reader.map { log.unreadCount(for: $0, cold: broker.store.history) } ?? 0,
                    status: NativeWire.status(conversation), created_at: conversation.createdAt.rfc3339)
            }
        }
        return NativeSuccess(
            ListBody(conversations: summaries, pagination: NativeWire.Pagination(page: page, limit: limit, total: matching.count)))
    }

    struct CloseRequest: Decodable {
        var resolution: String?
    }

    struct Closed: Encodable, Sendable {
        var id: String
        var status: String
        var closed_at: String?
        var closed_by: String
    }

    @Sendable func close(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<Closed> {
        _ = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let conversation = try NativeScope.conversation(
            context.parameters.get("conversation_id"), principal: principal, broker: broker)
        // The body is optional, but when there is one it must be right.
        if request.headers[.contentLength].map({ $0 != "0" }) ?? (request.headers[.transferEncoding] != nil) {
            let body = try await request.decode(as: CloseRequest.self, context: context)
            if let resolution = body.resolution, resolution.utf8.count > 4096 {
                throw APIError.validation("resolution is longer than 4096 bytes")
            }
        }
        try await broker.close(conversation.id)
        let closedBy: String =
            switch principal {
            case .agent(let id, _, _, _): NativeID.format(id)
            default: "site_key"
            }
        return NativeSuccess(
            Closed(
                id: NativeID.format(conversation.id), status: "closed",
                closed_at: broker.conversation(conversation.id)?.closedAt?.rfc3339, closed_by: closedBy))
    }

    struct AssignRequest: Decodable {
        var agent_id: String
    }

    struct Assigned: Encodable, Sendable {
        var id: String
        var assigned_agent: NativeWire.UserRef?
        var assigned_at: String
    }

    @Sendable func assign(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<Assigned> {
        _ = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let conversation = try NativeScope.conversation(
            context.parameters.get("conversation_id"), principal: principal, broker: broker)
        let body = try await request.decode(as: AssignRequest.self, context: context)
        let agent: AgentID = try NativeScope.id(body.agent_id, field: "agent_id")
        guard broker.agent(agent)?.siteID == conversation.siteID else { throw APIError.notFound("agent") }
        try await broker.assign(conversation.id, to: agent)
        return NativeSuccess(
            Assigned(
                id: NativeID.format(conversation.id), assigned_agent: Self.agentRef(agent, broker),
                assigned_at: Timestamp.now().rfc3339))
    }
}
