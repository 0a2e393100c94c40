import Foundation
import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// The operators dialect (seed 000): clients are visitors, operators are agents, chats are
/// conversations, all with bare integer ids (CONTRACT §2); the site's team only.
struct OperatorsController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("clients/:client_id", use: client)
        group.post("operators", use: createOperator)
        group.patch("chats/:chat_id", use: updateChat)
        group.get("chats/:chat_id/messages", use: messages)
    }

    struct Client: ResponseEncodable, Sendable {
        var client_id: UInt64
        var name: String
        /// The e-mail, else the phone, else "" (CONTRACT §7).
        var contact_info: String
    }

    @Sendable func client(_ request: Request, context: ParleyRequestContext) async throws -> Client {
        let site = try context.requireStaff()
        let id: VisitorID = try BareID.parse(context.parameters.get("client_id"), field: "clientId")
        guard let visitor = broker.visitor(id), visitor.siteID == site else { throw APIError.notFound("client") }
        return Client(client_id: id.rawValue, name: visitor.name, contact_info: visitor.email ?? visitor.phone ?? "")
    }

    struct OperatorRequest: Decodable {
        var name: String
        var status: String?
    }

    struct Operator: ResponseEncodable, Sendable {
        var operator_id: UInt64
        var name: String
        var status: String
    }

    /// Owners and admins add an operator: an agent of the site named `name`, with the given
    /// availability (`offline` by default). It has no login yet: its username and e-mail are
    /// generated (`op-<hex>@operators.invalid`) and its password is random; an owner invites
    /// the person through the omni team routes to give them one.
    @Sendable func createOperator(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<Operator> {
        let site = try context.requireManager("only owners and admins add operators")
        let body = try await request.decode(as: OperatorRequest.self, context: context)
        guard !body.name.allSatisfy(\.isWhitespace) else { throw APIError.validation("name is required") }
        let availability = try body.status.map { name -> Availability in
            guard let availability = Availability(name: name) else {
                throw APIError.validation("status must be online, offline, busy or away")
            }
            return availability
        } ?? .offline
        let handle = "op-" + SecretGenerator.digest(UUID().uuidString).prefix(12)
        var agent = try await broker.directory.createAgent(
            site: site, username: handle, email: "\(handle)@operators.invalid",
            password: SecretGenerator.token(prefix: "", bytes: 24), role: .agent, displayName: body.name)
        if availability != agent.availability { agent = try await broker.directory.setAvailability(agent.id, availability) }
        return EditedResponse(
            status: .created, response: Operator(operator_id: agent.id.rawValue, name: agent.displayName, status: agent.availability.name))
    }

    struct ChatUpdate: Decodable {
        var status: String
        var end_time: String?
    }

    struct Chat: ResponseEncodable, Sendable {
        var chat_id: UInt64
        var status: String
        @ExplicitNull var end_time: String?
    }

    /// `status` `closed` closes the chat, at `end_time` when given (which may not be before
    /// the chat's start, nor in the future); `open` keeps an open chat open (a closed chat is
    /// not reopened: 409).
    @Sendable func updateChat(_ request: Request, context: ParleyRequestContext) async throws -> Chat {
        let site = try context.requireStaff()
        let id: ConversationID = try BareID.parse(context.parameters.get("chat_id"), field: "chatId")
        // The operators dialect's chats are support conversations (group chats are not its).
        guard let conversation = broker.conversation(id), conversation.siteID == site, conversation.group == nil else {
            throw APIError.notFound("chat")
        }
        let body = try await request.decode(as: ChatUpdate.self, context: context)
        let end = try body.end_time.map { text -> Timestamp in
            guard let time = Timestamp(rfc3339: text) else { throw APIError.validation("end_time must be an RFC 3339 time") }
            guard time >= conversation.createdAt else { throw APIError.validation("end_time is before the chat's start") }
            guard time <= Timestamp.now() else { throw APIError.validation("end_time is in the future") }
            return time
        }
        switch body.status {
        case "closed": try await broker.close(id, at: end)
        case "open":
            guard conversation.closedAt == nil else { throw APIError.conflict("a closed chat is not reopened") }
            guard end == nil else { throw APIError.validation("end_time is for closing a chat") }
        default: throw APIError.validation("status must be open or closed")
        }
        guard let after = broker.conversation(id) else { throw APIError.notFound("chat") }
        return Chat(chat_id: id.rawValue, status: after.closedAt == nil ? "open" : "closed", end_time: after.closedAt?.rfc3339)
    }

    struct MessageBody: Encodable, Sendable {
        var message_id: UInt64
        /// `client` (the visitor) or `operator` (an agent, a bot, or the system).
        var sender_type: String
        var content: String
        var sent_time: String
    }

    struct Transcript: ResponseEncodable, Sendable {
        var chat_id: UInt64
        var messages: [MessageBody]
    }

    /// The whole conversation in `seq` order.
    @Sendable func messages(_ request: Request, context: ParleyRequestContext) async throws -> Transcript {
        let site = try context.requireStaff()
        let id: ConversationID = try BareID.parse(context.parameters.get("chat_id"), field: "chatId")
        let log = broker.store.read { state in
            state.conversations[id].flatMap { $0.conversation.siteID == site && $0.conversation.group == nil ? $0 : nil }
        }
        // Outside the state's lock: older messages may be in cold history.
        let transcript: Transcript? = try log.map { log in
            Transcript(
                chat_id: id.rawValue,
                messages: try log.allMessages(cold: broker.store.history).map { message in
                    let fromClient = if case .visitor = message.sender { true } else { false }
                    return MessageBody(
                        message_id: message.id.rawValue, sender_type: fromClient ? "client" : "operator", content: message.content,
                        sent_time: message.createdAt.rfc3339)
                })
        }
        guard let transcript else { throw APIError.notFound("chat") }
        return transcript
    }
}
