import HTTPTypes
import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/v1/messages` (seed 004 §5). Sending goes through the conversation actor (order,
/// durability, dedupe by `client_message_id` or the `Idempotency-Key` header); history pages
/// by message id; reading moves the caller's read cursor.
struct NativeMessagesController {
    let broker: Broker
    let files: FileLibrary

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post("messages", use: send)
        group.get("messages", use: list)
        group.post("messages/read", use: markRead)
    }

    struct SendRequest: Decodable {
        var conversation_id: String
        var content: String?
        var type: String?
        var file_id: String?
        var client_message_id: String?
    }

    @Sendable func send(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<NativeSuccess<NativeWire.Message>> {
        let principal = try context.requirePrincipal()
        let body = try await request.decode(as: SendRequest.self, context: context)
        let conversation = try NativeScope.conversation(
            body.conversation_id, principal: principal, broker: broker, includingGroupChats: true)
        guard let sender = principal.sender(isBot: { broker.agent($0)?.isBot == true }) else {
            throw APIError.forbidden("a widget key cannot send messages")
        }
        // `type` is required (seed §5.1).
        guard let name = body.type, !name.isEmpty else { throw APIError.validation("type is required (text, file or image)") }
        guard let type = ContentType(name: name) else { throw APIError.validation("type must be text, file or image") }
        var fileID: UInt64?
        if type != .text {
            guard let text = body.file_id, !text.isEmpty else {
                throw APIError.validation("file_id is required for file and image messages")
            }
            let id: FileID = try NativeScope.id(text, field: "file_id")
            // A file message names a stored file the sender may read (of the same site).
            guard let file = files.file(id), file.siteID == conversation.siteID,
                NativeFilesController.mayRead(file, principal, broker: broker)
            else { throw APIError.notFound("file") }
            guard type != .image || file.isImage else { throw APIError.validation("an image message must name an image file") }
            fileID = id.rawValue
        }
        guard body.content != nil else { throw APIError.validation("content is required") }
        let clientID = body.client_message_id ?? request.headers[.idempotencyKey]
        let receipt = try await broker.send(
            MessageDraft(sender: sender, content: body.content ?? "", contentType: type, fileID: fileID, clientMessageID: clientID),
            to: conversation.id)
        guard let wire = NativeWire.history([receipt.message], of: conversation.id, reader: nil, broker: broker).first else {
            throw APIError.notFound("conversation")
        }
        return EditedResponse(status: .created, response: NativeSuccess(wire))
    }

    struct Page: Encodable, Sendable {
        var messages: [NativeWire.Message]
        var has_more: Bool
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<Page> {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let conversation = try NativeScope.conversation(
            query["conversation_id"].map(String.init), principal: principal, broker: broker, includingGroupChats: true)
        let limit = try NativeScope.limit(query["limit"].map(String.init), default: 50, max: 100)
        let page: MessagePage
        switch (query["before"].map(String.init), query["after"].map(String.init)) {
        case (let before?, nil): page = .before(try NativeScope.id(before, field: "before"), limit: limit)
        case (nil, let after?): page = .after(try NativeScope.id(after, field: "after"), limit: limit)
        case (nil, nil): page = .newest(limit: limit)
        default: throw APIError.validation("give before or after, not both")
        }
        let result = try broker.messages(conversation.id, page: page)
        let messages = NativeWire.history(
            result.messages, of: conversation.id, reader: NativeScope.participant(principal), broker: broker)
        return NativeSuccess(Page(messages: messages, has_more: result.hasMore))
    }

    struct ReadRequest: Decodable {
        var conversation_id: String
        var message_ids: [String]?
    }

    struct ReadResult: Encodable, Sendable {
        var marked_count: Int
        var unread_count: Int
        var read_through_seq: UInt64
    }

    /// Moves the caller's cursor to the newest of `message_ids` (all messages when empty).
    @Sendable func markRead(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<ReadResult> {
        let principal = try context.requirePrincipal()
        let body = try await request.decode(as: ReadRequest.self, context: context)
        let conversation = try NativeScope.conversation(
            body.conversation_id, principal: principal, broker: broker, includingGroupChats: true)
        guard let reader = NativeScope.participant(principal) else {
            throw APIError.forbidden("only agents and visitors have read cursors")
        }
        guard (body.message_ids ?? []).count <= 1000 else { throw APIError.validation("at most 1000 message_ids") }
        let ids: [MessageID] = try (body.message_ids ?? []).map { try NativeScope.id($0, field: "message_ids") }
        // Copied out of the state's lock: a message read by id may be in cold history.
        guard let log = broker.store.read({ $0.conversations[conversation.id] }) else { throw APIError.notFound("conversation") }
        let target: UInt64 =
            try ids.isEmpty
            ? log.lastSeq
            : ids.map { id in
                guard let message = try log.message(id: id, cold: broker.store.history) else { throw APIError.notFound("message") }
                return message.seq
            }.max() ?? 0
        let before = broker.unreadCount(conversation.id, for: reader) ?? 0
        let through = try await broker.markRead(conversation.id, reader: reader, through: target)
        let after = broker.unreadCount(conversation.id, for: reader) ?? 0
        return NativeSuccess(ReadResult(marked_count: before - after, unread_count: after, read_through_seq: through))
    }
}
