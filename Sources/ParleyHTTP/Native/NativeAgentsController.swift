import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/v1/agents` (seed 004 §10) and `/v1/typing` (§8).
struct NativeAgentsController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("agents", use: list)
        group.patch("agents/status", use: updateStatus)
        group.post("typing", use: typing)
    }

    struct AgentBody: Encodable, Sendable {
        var id: String
        var username: String
        var email: String
        var name: String
        var role: String
        var status: String
        var active_conversations: Int
        /// Always present: `null` only for an agent never seen (see ``NativeWire/lastSeen``).
        @ExplicitNull var last_seen: String?
    }

    struct AgentList: Encodable, Sendable {
        var agents: [AgentBody]
        var total: Int
    }

    /// `status=online` matches every availability but `offline` (CONTRACT §7).
    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<AgentList> {
        _ = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let site = try NativeScope.site(query["site_id"].map(String.init), principal: principal)
        let filter = query["status"].map(String.init) ?? "all"
        guard ["online", "offline", "all"].contains(filter) else { throw APIError.validation("status must be online, offline or all") }
        let agents: [AgentBody] = broker.store.read { state in
            var active: [AgentID: Int] = [:]
            for id in state.openConversationsBySite[site] ?? StateSet() {
                if let agent = state.conversations[id]?.conversation.assignedAgentID {
                    active[agent, default: 0] += 1
                }
            }
            return state.agents.values.filter { $0.siteID == site }.sorted { $0.id < $1.id }
                .filter { filter == "all" || ($0.availability == .offline) == (filter == "offline") }
                .map { agent in
                    AgentBody(
                        id: NativeID.format(agent.id), username: agent.username, email: agent.email, name: agent.displayName,
                        role: NativeWire.role(agent.role), status: agent.availability.name,
                        active_conversations: active[agent.id] ?? 0,
                        last_seen: NativeWire.lastSeen(agent, presence: broker.presence)?.rfc3339)
                }
        }
        return NativeSuccess(AgentList(agents: agents, total: agents.count))
    }

    struct StatusRequest: Decodable {
        var status: String
    }

    struct StatusBody: Encodable, Sendable {
        var status: String
        var updated_at: String
    }

    @Sendable func updateStatus(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<StatusBody> {
        let (agent, _, _) = try context.requireAgent()
        let body = try await request.decode(as: StatusRequest.self, context: context)
        guard let availability = Availability(name: body.status) else {
            throw APIError.validation("status must be online, away, busy or offline")
        }
        let updated = try await broker.directory.setAvailability(agent, availability)
        return NativeSuccess(StatusBody(status: updated.availability.name, updated_at: (updated.lastSeenAt ?? .now()).rfc3339))
    }

    struct TypingRequest: Decodable {
        var conversation_id: String
        var is_typing: Bool
    }

    struct Acknowledged: ResponseEncodable {
        var success = true
    }

    @Sendable func typing(_ request: Request, context: ParleyRequestContext) async throws -> Acknowledged {
        let principal = try context.requirePrincipal()
        let body = try await request.decode(as: TypingRequest.self, context: context)
        let conversation = try NativeScope.conversation(body.conversation_id, principal: principal, broker: broker)
        guard let participant = NativeScope.participant(principal) else {
            throw APIError.forbidden("only agents and visitors type")
        }
        try broker.setTyping(conversation.id, participant, body.is_typing)
        return Acknowledged()
    }
}
