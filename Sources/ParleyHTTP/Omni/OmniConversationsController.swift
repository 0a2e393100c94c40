import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/api/v1/conversations` (seed 003): the site's conversations for its team, over the same
/// model as every dialect (CONTRACT §1), in the status model of CONTRACT §7.
struct OmniConversationsController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("conversations", use: list)
        group.post("conversations", use: create)
        group.get("conversations/:conversation_id", use: get)
        group.post("conversations/:conversation_id/close", use: close)
        group.post("conversations/:conversation_id/assign", use: assign)
    }

    /// Newest first; `status` pending|open|closed, `channel`, `assigned_to` (an agent id), paged.
    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws
        -> OmniList<OmniWire.Conversation, OmniMeta>
    {
        let site = try context.requireStaff()
        let query = request.uri.queryParameters
        let paging = try OmniScope.Paging(query)
        let status = try query["status"].map { text -> ConversationStatus in
            guard let status = ConversationStatus(rawValue: String(text)) else {
                throw APIError.validation("status must be open, closed or pending")
            }
            return status
        }
        let channel = query["channel"].map(String.init)
        if let channel, !OmniScope.channelKinds.contains(channel) {
            throw APIError.validation("channel must be widget, telegram or whatsapp")
        }
        let assignedTo: AgentID? = try query["assigned_to"].map { try OmniScope.id(String($0), field: "assigned_to") }
        // Every conversation comes through the site's widget channel so far.
        let matching = channel.map { $0 == "widget" } ?? true
            ? broker.conversations(site: site).filter { conversation in
                (status == nil || conversation.status == status) && (assignedTo == nil || conversation.assignedAgentID == assignedTo)
            } : []
        let reader = context.principal.flatMap(Self.reader)
        let items: [OmniWire.Conversation] = broker.store.read { state in
            paging.slice(matching).compactMap { conversation in
                state.conversations[conversation.id].map { OmniWire.conversation($0, reader: reader, state: state, cold: broker.store.history) }
            }
        }
        return OmniList(data: items, meta: paging.meta(total: matching.count))
    }

    static func reader(_ principal: Principal) -> Participant? {
        if case .agent(let id, _, _, _) = principal { .agent(id) } else { nil }
    }

    /// One conversation as the omni dialect shows it, read after a change.
    func body(_ id: ConversationID, context: ParleyRequestContext) throws -> OmniData<OmniWire.Conversation> {
        let reader = context.principal.flatMap(Self.reader)
        let item: OmniWire.Conversation? = broker.store.read { state in
            state.conversations[id].map { OmniWire.conversation($0, reader: reader, state: state, cold: broker.store.history) }
        }
        guard let item else { throw APIError.notFound("conversation") }
        return OmniData(item)
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<OmniWire.Conversation> {
        let site = try context.requireStaff()
        let conversation = try OmniScope.conversation(context.parameters.get("conversation_id"), site: site, broker: broker)
        return try body(conversation.id, context: context)
    }

    struct CreateRequest: Decodable {
        var customer_id: String
        var channel: String?
        var subject: String?
        var metadata: JSONValue?
    }

    @Sendable func create(_ request: Request, context: ParleyRequestContext) async throws
        -> EditedResponse<OmniData<OmniWire.Conversation>>
    {
        let site = try context.requireStaff()
        let body = try await request.decode(as: CreateRequest.self, context: context)
        let customer = try OmniScope.customer(body.customer_id, site: site, broker: broker)
        _ = try OmniScope.channel(body.channel)
        let conversation = try await broker.openConversation(
            site: site, visitor: customer.id, subject: body.subject, metadataJSON: try JSONValue.objectText(body.metadata))
        return EditedResponse(status: .created, response: try self.body(conversation.id, context: context))
    }

    @Sendable func close(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<OmniWire.Conversation> {
        let site = try context.requireStaff()
        let conversation = try OmniScope.conversation(context.parameters.get("conversation_id"), site: site, broker: broker)
        try await broker.close(conversation.id)  // closing a closed conversation changes nothing
        return try body(conversation.id, context: context)
    }

    struct AssignRequest: Decodable {
        var user_id: String?
    }

    /// `user_id` an agent of the site, or `null` to unassign.
    @Sendable func assign(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<OmniWire.Conversation> {
        let site = try context.requireStaff()
        let conversation = try OmniScope.conversation(context.parameters.get("conversation_id"), site: site, broker: broker)
        let body = try await request.decode(as: AssignRequest.self, context: context)
        let agent = try body.user_id.map { try OmniScope.agent($0, site: site, broker: broker) }
        try await broker.assign(conversation.id, to: agent?.id)
        return try self.body(conversation.id, context: context)
    }
}
