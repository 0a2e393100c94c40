import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/api/v1/conversations/{id}/messages` (seed 003). History pages by time (`before`), always
/// in ascending `seq`; sends go through the conversation actor like every other send.
struct OmniMessagesController {
    let broker: Broker
    let files: FileLibrary

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("conversations/:conversation_id/messages", use: list)
        group.post("conversations/:conversation_id/messages", use: send)
    }

    struct PageMeta: Encodable, Sendable {
        var limit: Int
        var has_more: Bool
    }

    /// No `before` → the newest `limit` (50, at most 100); `before` = an RFC 3339 time → the
    /// `limit` newest messages written before it (CONTRACT §7). `has_more`: older ones exist.
    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws
        -> OmniList<OmniWire.Message, PageMeta>
    {
        let site = try context.requireStaff()
        let conversation = try OmniScope.conversation(context.parameters.get("conversation_id"), site: site, broker: broker)
        let (page, limit) = try OmniScope.messagePage(request.uri.queryParameters)
        let result = try broker.messages(conversation.id, page: page)
        return OmniList(data: result.messages.map(OmniWire.message), meta: PageMeta(limit: limit, has_more: result.hasMore))
    }

    struct SendRequest: Decodable {
        var content: String
        var attachments: [String]?
        var metadata: JSONValue?
        var client_message_id: String?
    }

    /// An agent's reply (a bot's, when the agent is a bot; `system` for the secret key).
    /// `attachments` name a stored file of the site (uploaded through `POST /v1/files/upload`,
    /// the one file store): at most one per message (the model keeps one file per message).
    @Sendable func send(_ request: Request, context: ParleyRequestContext) async throws
        -> EditedResponse<OmniData<OmniWire.Message>>
    {
        let site = try context.requireStaff()
        let conversation = try OmniScope.conversation(context.parameters.get("conversation_id"), site: site, broker: broker)
        let body = try await request.decode(as: SendRequest.self, context: context)
        // requireStaff above: an agent (or bot) or the secret key (system).
        guard let sender = try context.requirePrincipal().sender(isBot: { broker.agent($0)?.isBot == true }) else {
            throw APIError.forbidden("this route is for agents")
        }
        let (type, fileID) = try OmniScope.attachment(body.attachments, files: files, site: site)
        let receipt = try await broker.send(
            MessageDraft(
                sender: sender, content: body.content, contentType: type, fileID: fileID,
                clientMessageID: body.client_message_id ?? request.headers[.idempotencyKey],
                metadataJSON: try JSONValue.objectText(body.metadata)),
            to: conversation.id)
        return EditedResponse(status: .created, response: OmniData(OmniWire.message(receipt.message)))
    }
}
