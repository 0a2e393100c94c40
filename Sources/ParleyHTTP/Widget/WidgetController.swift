import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage
import Synchronization

/// The widget API (seed 003, `/widget/v1`): what the chat widget on a customer's page calls,
/// with the site's public key (`api_key`, `pk_…`) and the browser's own `session_id` instead of
/// agent credentials. A session id names one customer of the site (it is the visitor's client
/// id, so the native dialect and both WebSockets see the same visitor); `init` also hands out a
/// session token for the visitor WebSocket and `X-Visitor-Token`. Omni envelope and ids.
struct WidgetController {
    let broker: Broker
    let files: FileLibrary
    let limits: RateLimits
    let keyBuckets: Shared<TokenBuckets>

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post("init", use: initialize)
        group.post("messages", use: send)
        group.get("messages", use: history)
        group.post("rating", use: rate)
        group.post("files", use: upload)
        // CORS preflights (answered by WidgetCORSMiddleware when they carry an Origin).
        for path in ["init", "messages", "rating", "files"] {
            group.on(RouterPath(path), method: .options) { _, _ in
                Response(status: .noContent, headers: [.allow: "GET, POST, OPTIONS"])
            }
        }
    }

    /// The site of a widget key, once the key's budget and the page's origin allow the call.
    func site(apiKey: String?, request: Request) throws -> Site {
        guard let apiKey, !apiKey.isEmpty else { throw APIError.validation("api_key is required") }
        guard apiKey.hasPrefix("pk_"), let site = broker.store.read({ state in state.sitesByKey[apiKey].flatMap { state.sites[$0] } })
        else { throw APIError.unauthorized("api_key is not a widget key (pk_…) of any site") }
        if limits.enabled,
            let wait = keyBuckets.withLock({ $0.take("widget \(site.id.rawValue)", perMinute: limits.widgetPerKey, now: .now) })
        {
            throw APIError.rateLimited(retryAfter: wait)
        }
        if let origin = request.headers[.origin], origin.lowercased().hasPrefix("http") || origin == "null" {
            let channel = broker.store.read { $0.widgetChannel(of: site) }
            guard channel.allows(origin: origin) else {
                throw APIError.forbidden("origin \(origin.prefix(200)) is not allowed by the site's widget channel")
            }
        }
        return site
    }

    /// A browser session id: 8 to 128 characters of letters, digits, `-`, `_` and `.`.
    static func sessionID(_ text: String?) throws -> String {
        guard let text, !text.isEmpty else { throw APIError.validation("session_id is required") }
        guard text.utf8.count >= 8, text.utf8.count <= 128,
            text.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) })
        else { throw APIError.validation("session_id must be 8 to 128 letters, digits, '-', '_' or '.'") }
        return text
    }

    /// The customer of a browser session, if `init` made one.
    func known(site: Site, sessionID: String) -> Visitor? {
        broker.store.read { state in
            state.visitorsByExternalID[SiteScopedKey(site: site.id, key: sessionID)].flatMap { state.visitors[$0] }
        }
    }

    func visitor(site: Site, sessionID: String) throws -> Visitor {
        guard let visitor = known(site: site, sessionID: sessionID) else {
            throw APIError.notFound("widget session (call /widget/v1/init first)")
        }
        return visitor
    }

    struct InitRequest: Decodable {
        var api_key: String?
        var session_id: String?
        var name: String?
        var email: String?
        var metadata: JSONValue?
    }

    struct WidgetSettings: Encodable, Sendable {
        var name: String
        var greeting: String
        var offline_message: String
        var primary_color: String
    }

    struct Session: Encodable, Sendable {
        var customer_id: String
        /// The same visitor in the native dialect.
        var visitor_id: String
        var session_token: String
        @ExplicitNull var conversation_id: String?
        var channel: WidgetSettings
        var agents_online: Int
    }

    /// Starts (201) or resumes (200) the browser session's customer; a resumed customer keeps
    /// its name and e-mail unless new ones are given.
    @Sendable func initialize(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<Session>> {
        let body = try await request.decode(as: InitRequest.self, context: context)
        let site = try site(apiKey: body.api_key, request: request)
        let sessionID = try Self.sessionID(body.session_id)
        let known = known(site: site, sessionID: sessionID)
        let (visitor, created) = try await broker.directory.registerVisitor(
            site: site.id, externalID: sessionID, name: body.name ?? known?.name ?? "", email: body.email,
            metadataJSON: try JSONValue.objectText(body.metadata))
        let token = try await broker.accounts.issueVisitorSession(for: visitor.id)
        let (channel, open, agentsOnline) = broker.store.read { state in
            let agents = broker.presence.online(site: site.id).count { if case .agent = $0 { true } else { false } }
            return (state.widgetChannel(of: site), state.openConversationByVisitor[visitor.id], agents)
        }
        let current = broker.site(site.id)?.widget ?? site.widget
        return EditedResponse(
            status: created ? .created : .ok,
            response: OmniData(
                Session(
                    customer_id: OmniID.format(visitor.id), visitor_id: NativeID.format(visitor.id), session_token: token,
                    conversation_id: open.map(OmniID.format),
                    channel: WidgetSettings(
                        name: channel.name, greeting: current.welcomeMessage, offline_message: current.offlineMessage,
                        primary_color: current.primaryColor),
                    agents_online: agentsOnline)))
    }

    struct SendRequest: Decodable {
        var api_key: String?
        var session_id: String?
        var content: String
        var client_message_id: String?
        /// A file this customer uploaded (`POST /widget/v1/files`): at most one per message.
        var attachments: [String]?
    }

    /// The customer writes in its open conversation, opened on first use; 201 once durable.
    @Sendable func send(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<OmniWire.Message>> {
        let body = try await request.decode(as: SendRequest.self, context: context)
        let site = try site(apiKey: body.api_key, request: request)
        let visitor = try visitor(site: site, sessionID: try Self.sessionID(body.session_id))
        let open = broker.store.read { $0.openConversationByVisitor[visitor.id] }
        let conversation: ConversationID
        if let open {
            conversation = open
        } else {
            conversation = try await broker.openConversation(site: site.id, visitor: visitor.id).id
        }
        // A file of this customer's: uploaded by it, or in its conversation.
        let (type, fileID) = try OmniScope.attachment(body.attachments, files: files, site: site.id) { file in
            file.uploadedBy == .visitor(visitor.id) || file.conversationID == conversation
        }
        let receipt = try await broker.send(
            MessageDraft(
                sender: .visitor(visitor.id), content: body.content, contentType: type, fileID: fileID,
                clientMessageID: body.client_message_id ?? request.headers[.idempotencyKey]),
            to: conversation)
        return EditedResponse(status: .created, response: OmniData(OmniWire.message(receipt.message)))
    }

    struct HistoryMeta: Encodable, Sendable {
        @ExplicitNull var conversation_id: String?
        var limit: Int
        var has_more: Bool
        /// The conversation's status (`pending`, `open`, `closed`): a widget offers the rating
        /// of a closed one after a reload too. Null with no conversation.
        @ExplicitNull var status: String?
        /// The newest `seq` the site's team has read (0: nothing yet): the widget's read marks.
        var team_read_seq: UInt64
    }

    /// The customer's open conversation (else its latest): the newest `limit` (50, at most 100)
    /// messages, or those before `before` (a time); ascending `seq`. None yet: an empty list.
    @Sendable func history(_ request: Request, context: ParleyRequestContext) async throws -> OmniList<OmniWire.Message, HistoryMeta> {
        let query = request.uri.queryParameters
        let site = try site(apiKey: query["api_key"].map(String.init), request: request)
        let visitor = try visitor(site: site, sessionID: try Self.sessionID(query["session_id"].map(String.init)))
        let page = try OmniScope.messagePage(query)
        let conversation: ConversationID? = broker.store.read { state in
            state.openConversationByVisitor[visitor.id]
                ?? state.conversationsByVisitor[visitor.id]?.last
        }
        guard let conversation else {
            return OmniList(
                data: [], meta: HistoryMeta(conversation_id: nil, limit: page.limit, has_more: false, status: nil, team_read_seq: 0))
        }
        let result = try broker.messages(conversation, page: page.page)
        let (status, teamRead) = broker.store.read { state -> (String?, UInt64) in
            guard let log = state.conversations[conversation] else { return (nil, 0) }
            var newest: UInt64 = 0
            for (reader, cursor) in log.readCursors {
                if case .agent = reader { newest = max(newest, cursor.seq) }
            }
            return (log.conversation.status.rawValue, newest)
        }
        return OmniList(
            data: result.messages.map(OmniWire.message),
            meta: HistoryMeta(
                conversation_id: OmniID.format(conversation), limit: page.limit, has_more: result.hasMore, status: status,
                team_read_seq: teamRead))
    }

    struct RatingRequest: Decodable {
        var api_key: String?
        var session_id: String?
        var conversation_id: String?
        var score: Int
        var comment: String?
    }

    struct Rating: Encodable, Sendable {
        var conversation_id: String
        var score: Int
        @ExplicitNull var comment: String?
        var rated_at: String
    }

    /// The customer rates a closed conversation of its own 1–5 (an extension, CONTRACT §7):
    /// the one named, else its latest closed one. Rating again replaces the rating.
    @Sendable func rate(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<Rating>> {
        let body = try await request.decode(as: RatingRequest.self, context: context)
        let site = try site(apiKey: body.api_key, request: request)
        let visitor = try visitor(site: site, sessionID: try Self.sessionID(body.session_id))
        let conversation: ConversationID
        if let text = body.conversation_id {
            conversation = try OmniScope.id(text, field: "conversation_id")
        } else {
            let latest: ConversationID? = broker.store.read { state in
                (state.conversationsByVisitor[visitor.id] ?? []).last { state.conversations[$0]?.conversation.closedAt != nil }
            }
            guard let latest else { throw APIError.conflict("no closed conversation to rate") }
            conversation = latest
        }
        let rating = try await broker.rate(conversation, by: visitor.id, score: body.score, comment: body.comment)
        return EditedResponse(
            status: .created,
            response: OmniData(
                Rating(
                    conversation_id: OmniID.format(rating.conversationID), score: Int(rating.score), comment: rating.comment,
                    rated_at: rating.ratedAt.rfc3339)))
    }
}
