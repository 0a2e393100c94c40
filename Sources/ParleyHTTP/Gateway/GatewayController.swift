import Hummingbird
import ParleyEngine
import ParleyModel

/// The livechat gateway (seed 001): an operator's message into a support conversation of the
/// project (the site), with UUID ids as omni's (CONTRACT §2).
struct GatewayController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post(":projectUuid/livechat/conversations/:conversationUuid/messages/operator", use: sendOperatorMessage)
    }

    /// `LiveChatOperatorMessageGatewayRequestDTO`.
    struct OperatorMessageRequest: Decodable {
        var companyUuid: String?
        var itemUuid: String?
        var text: String?
        var idempotencyKey: String?
    }

    struct OperatorMessage: Encodable, Sendable {
        var messageUuid: String
        var conversationUuid: String
        var projectUuid: String
        var itemUuid: String
        var seq: UInt64
        var text: String
        /// `operator`, `bot` or `system` (the secret key).
        var senderType: String
        @ExplicitNull var operatorUuid: String?
        var createdAt: String
        /// `true` when `itemUuid` named a message already sent: nothing new was stored.
        var duplicate: Bool
    }

    static func uuid<Kind>(_ text: String?, field: String, as _: Identifier<Kind>.Type = Identifier<Kind>.self) throws -> Identifier<Kind> {
        guard let text, let id = OmniID.parse(text, as: Identifier<Kind>.self) else {
            throw APIError.invalid(field, value: text, "must be a \(Kind.kind) UUID like \(OmniID.format(Identifier<Kind>(1)))")
        }
        return id
    }

    /// Sends `text` as the calling agent (or as the system, for the secret key) into the
    /// project's support conversation; a repeated `itemUuid` returns the first message.
    @Sendable func sendOperatorMessage(
        _ request: Request, context: ParleyRequestContext
    ) async throws -> GatewaySuccess<OperatorMessage> {
        let principal = try context.requirePrincipal()
        switch principal {
        case .agent, .secretKey: break
        case .visitor, .publicKey: throw APIError.forbidden("operator messages come from agents or the secret key")
        }
        let project: SiteID = try Self.uuid(context.parameters.get("projectUuid"), field: "projectUuid")
        let conversationID: ConversationID = try Self.uuid(context.parameters.get("conversationUuid"), field: "conversationUuid")
        guard project == principal.site else { throw APIError.notFound("project") }
        guard let conversation = broker.conversation(conversationID), conversation.siteID == project, conversation.group == nil
        else { throw APIError.notFound("conversation") }
        let body = try await request.decode(as: OperatorMessageRequest.self, context: context)
        if let company = body.companyUuid {
            let site: SiteID = try Self.uuid(company, field: "companyUuid")
            guard site == project else { throw APIError.invalid("companyUuid", value: company, "is not the project's company") }
        }
        guard let item = body.itemUuid, !item.allSatisfy(\.isWhitespace) else {
            throw APIError.invalid("itemUuid", value: body.itemUuid, "must not be blank")
        }
        guard item.utf8.count <= broker.limits.maxClientMessageIDBytes else {
            throw APIError.invalid("itemUuid", value: item, "is longer than \(broker.limits.maxClientMessageIDBytes) bytes")
        }
        guard let text = body.text, !text.allSatisfy(\.isWhitespace) else {
            throw APIError.invalid("text", value: body.text, "must not be blank")
        }
        guard let sender = principal.sender(isBot: { broker.agent($0)?.isBot == true }) else {
            throw APIError.forbidden("operator messages come from agents or the secret key")
        }
        let receipt = try await broker.send(MessageDraft(sender: sender, content: text, clientMessageID: item), to: conversation.id)
        let message = receipt.message
        let (type, operatorID): (String, AgentID?) = switch message.sender {
        case .agent(let id): ("operator", id)
        case .bot(let id): ("bot", id)
        case .system, .visitor: ("system", nil)
        }
        return GatewaySuccess(
            OperatorMessage(
                messageUuid: OmniID.format(message.id), conversationUuid: OmniID.format(conversation.id),
                projectUuid: OmniID.format(project), itemUuid: message.clientMessageID ?? item, seq: message.seq,
                text: message.content, senderType: type, operatorUuid: operatorID.map(OmniID.format),
                createdAt: message.createdAt.rfc3339, duplicate: receipt.duplicate))
    }
}
