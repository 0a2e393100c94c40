import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/v1/notifications` (seed 004 §9): an agent's notifications, made by the events that matter
/// to them (new conversation on their site, visitor message in a conversation assigned to them,
/// assignment), newest first.
struct NativeNotificationsController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("notifications", use: list)
        group.post("notifications/read", use: markRead)
    }

    struct NotificationBody: Encodable, Sendable {
        struct Payload: Encodable, Sendable {
            var conversation_id: String?
            var visitor_name: String?
            var message_id: String?
            var webhook_id: String?
        }

        var id: String
        var type: String
        var title: String
        var message: String
        var data: Payload
        var read: Bool
        var created_at: String
    }

    struct ListBody: Encodable, Sendable {
        var notifications: [NotificationBody]
        var unread_count: Int
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<ListBody> {
        let (agent, _, _) = try context.requireAgent()
        let query = request.uri.queryParameters
        let limit = try NativeScope.limit(query["limit"].map(String.init), default: 20, max: 100)
        let unreadOnly = try NativeScope.flag(query["unread_only"], name: "unread_only", default: false)
        let (items, unread) = broker.notifications(for: agent, unreadOnly: unreadOnly, limit: limit)
        // New-message previews first, read outside the state's lock (the message may be cold).
        let wanted = items.filter { $0.kind == .newMessage && $0.messageID != nil }.compactMap(\.conversationID)
        let logs = broker.store.read { state in
            var logs: [ConversationID: ConversationLog] = [:]
            for id in wanted { logs[id] = state.conversations[id] }
            return logs
        }
        var previews: [UInt64: String] = [:]
        for item in items where item.kind == .newMessage {
            guard let conversation = item.conversationID, let message = item.messageID, let log = logs[conversation] else { continue }
            previews[item.id] = try? log.message(id: message, cold: broker.store.history)?.content
        }
        let bodies: [NotificationBody] = broker.store.read { state in
            items.map { item in
                // Copies out of the borrowed state, one step at a time: the release build's
                // SIL ownership verifier crashes (swiftc 6.3.1) on a borrowed `Party` read in a
                // nested closure here.
                let conversation: Conversation? = item.conversationID.flatMap { state.conversations[$0]?.conversation }
                let visitorID: VisitorID? = conversation?.visitorID
                let visitorName = visitorID.flatMap { state.visitors[$0]?.name }
                let preview = previews[item.id]
                let who = visitorName ?? "A visitor"
                let (title, text): (String, String) =
                    switch item.kind {
                    case .newConversation: ("New conversation", "\(who) started a new conversation")
                    case .newMessage:
                        ("New message", "\(who): \(preview.map { String($0.prefix(140)) } ?? "")")
                    case .assigned: ("Conversation assigned", "The conversation with \(who) was assigned to you")
                    case .webhookDisabled:
                        (
                            "Webhook disabled",
                            "A webhook (\(item.webhookID.flatMap { state.webhooks.webhooks[$0]?.url } ?? "deleted")) failed for 24 hours and was disabled"
                        )
                    }
                return NotificationBody(
                    id: NativeID.prefix(.notification) + String(item.id), type: item.kind.name, title: title, message: text,
                    data: .init(
                        conversation_id: item.conversationID.map(NativeID.format), visitor_name: visitorName,
                        message_id: item.messageID.map(NativeID.format), webhook_id: item.webhookID.map(NativeID.format)),
                    read: item.read, created_at: item.createdAt.rfc3339)
            }
        }
        return NativeSuccess(ListBody(notifications: bodies, unread_count: unread))
    }

    struct ReadRequest: Decodable {
        var notification_ids: [String]?
    }

    struct ReadBody: Encodable, Sendable {
        var marked_count: Int
    }

    @Sendable func markRead(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<ReadBody> {
        let (agent, _, _) = try context.requireAgent()
        let body = try await request.decode(as: ReadRequest.self, context: context)
        guard (body.notification_ids ?? []).count <= 1000 else { throw APIError.validation("at most 1000 notification_ids") }
        // Unknown ids (notif_0 among them) mark nothing, like ids of another agent's notifications.
        let ids: [UInt64] = try (body.notification_ids ?? []).map { text in
            let id: NotificationID = try NativeScope.id(text, field: "notification_ids")
            return id.rawValue
        }
        return NativeSuccess(ReadBody(marked_count: try await broker.markNotificationsRead(for: agent, ids: ids)))
    }
}
