import Crypto
import Foundation
import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// The chats dialect (seed 002): support conversations as `personal` chats and group chats
/// of agents, over the one model; bare integer ids.
struct ChatsController {
    let broker: Broker
    let cursorKey: SymmetricKey

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("chats", use: list)
        group.post("chats", use: create)
        group.get("chats/:id", use: get)
        group.put("chats/:id", use: update)
        group.put("chats/:id/archive", use: archive)
        group.put("chats/:id/unarchive", use: unarchive)
    }

    /// The chat named in the path, if the caller may see it; 400 or 404 otherwise.
    private func chat(_ context: ParleyRequestContext, caller: ChatsCaller) throws -> Conversation {
        let id: ConversationID = try BareID.parse(context.parameters.get("id"), field: "id")
        guard let conversation = broker.conversation(id), caller.sees(conversation) else { throw APIError.notFound("chat") }
        return conversation
    }

    private func render(_ conversation: Conversation) -> ChatsWire.Chat {
        broker.store.read { state in ChatsWire.chat(conversation, state: state) }
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> ChatsPage {
        let caller = try ChatsCaller(context.principal)
        // Names arrive as sent (`sort%5Bid%5D` from most clients); values arrive decoded.
        let query = try ChatsQuery(
            request.uri.queryParameters.map { (name: String($0.key).removingPercentEncoding ?? String($0.key), value: String($0.value)) })
        let cursor = try query.cursor.map { text -> ChatsCursor in
            guard let cursor = ChatsCursor(text, key: cursorKey) else {
                throw APIError.invalid("cursor", value: text, "is not a cursor this server issued")
            }
            guard cursor.query == query.fingerprint else {
                throw APIError.invalid("cursor", value: text, "belongs to a list with other sort or filters")
            }
            return cursor
        }
        return broker.store.read { state in
            let site = caller.site
            let ids = Array(state.conversationsBySite[site] ?? []) + (state.groupChatsBySite[site] ?? [])
            let chats = ids.compactMap { state.conversations[$0]?.conversation }.filter { conversation in
                switch query.availability {
                case .isMember: caller.takesPart(in: conversation)
                case .public: conversation.group?.isPublic == true
                }
            }
            let page = query.page(chats.map(ChatsWire.entry), after: cursor)
            let items = page.items.compactMap { entry in
                state.conversations[ConversationID(entry.id)].map { ChatsWire.chat($0.conversation, state: state) }
            }
            return ChatsPage(data: items, meta: .init(paginate: .init(next_page: page.next?.encoded(key: cursorKey))))
        }
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> ChatsData<ChatsWire.Chat> {
        let caller = try ChatsCaller(context.principal)
        return ChatsData(data: render(try chat(context, caller: caller)))
    }

    /// A group chat of the caller (its owner) and `member_ids`; the secret key makes the
    /// site's owner its owner.
    @Sendable func create(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<ChatsData<ChatsWire.Chat>> {
        let caller = try ChatsCaller(context.principal)
        let fields = try ChatFields(try await request.decode(as: JSONValue.self, context: context))
        guard let name = fields.name else { throw APIError.invalid("name", "is required") }
        guard let owner = caller.agent ?? broker.site(caller.site)?.ownerAgentID else {
            throw APIError.conflict("the site has no owner to own the chat")
        }
        let members = fields.memberIDs ?? []
        guard members.count <= Broker.maxGroupChatMembers else {
            throw APIError.invalid("member_ids", "holds more than \(Broker.maxGroupChatMembers) users")
        }
        if let stranger = members.first(where: { broker.agent($0)?.siteID != caller.site }) {
            throw APIError.invalid("member_ids", value: String(stranger.rawValue), "names no user of this account")
        }
        let conversation = try await broker.openGroupChat(
            site: caller.site, owner: owner, name: name, members: members, isChannel: fields.channel ?? false,
            isPublic: fields.isPublic ?? false)
        return EditedResponse(status: .created, response: ChatsData(data: render(conversation)))
    }

    /// Renames a group chat or makes it public or private (its owner or an admin). A support
    /// conversation's name is its subject or its visitor's: not changed here.
    @Sendable func update(_ request: Request, context: ParleyRequestContext) async throws -> ChatsData<ChatsWire.Chat> {
        let caller = try ChatsCaller(context.principal)
        let conversation = try chat(context, caller: caller)
        let fields = try ChatFields(try await request.decode(as: JSONValue.self, context: context))
        guard let group = conversation.group else {
            guard fields.name == nil, fields.isPublic == nil else {
                throw APIError.invalid("chat", "of a personal chat cannot be renamed or made public")
            }
            return ChatsData(data: render(conversation))
        }
        guard caller.manages(group) else { throw APIError.forbidden("only the chat's owner or an admin changes it") }
        if fields.memberIDs != nil || fields.channel != nil {
            throw APIError.invalid(fields.memberIDs != nil ? "member_ids" : "channel", "is set when the chat is created")
        }
        let updated = try await broker.updateGroupChat(
            conversation.id, name: fields.name ?? group.name, isPublic: fields.isPublic ?? group.isPublic)
        return ChatsData(data: render(updated))
    }

    @Sendable func archive(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await setArchived(true, context: context)
    }

    @Sendable func unarchive(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await setArchived(false, context: context)
    }

    /// Anyone who takes part in the chat archives it for everyone (the seed's empty answer: 204).
    private func setArchived(_ archived: Bool, context: ParleyRequestContext) async throws -> Response {
        let caller = try ChatsCaller(context.principal)
        let conversation = try chat(context, caller: caller)
        guard caller.takesPart(in: conversation) else { throw APIError.forbidden("only the chat's members archive it") }
        _ = try await broker.setArchived(conversation.id, archived)
        return Response(status: .noContent)
    }
}
