/// The broker's durable state as one value: what a snapshot holds and what log replay rebuilds.
///
/// A plain state machine: ``apply(_:lsn:)`` folds one log record in, and does nothing for a
/// record that an entity has already applied (its `lastLSN` is at or past the record's LSN), so
/// replaying an overlapping stretch of log is harmless. It performs no I/O.
public struct ParleyState: Sendable {
    public private(set) var sites: [SiteID: Site] = [:]
    public private(set) var agents: [AgentID: Agent] = [:]
    public internal(set) var visitors: StateMap<VisitorID, Visitor> = [:]
    public internal(set) var conversations: StateMap<ConversationID, ConversationLog> = [:]
    /// The LSN of the newest record applied.
    public private(set) var appliedLSN: UInt64 = 0
    public private(set) var watermarks = IDWatermarks()
    public internal(set) var messageCount = 0

    /// Lower-cased username or e-mail → the agents that log in with it (one per site at most).
    public private(set) var agentsByLogin: [String: [AgentID]] = [:]
    /// Site key (`pk_…` or `sk_…`) → site.
    public private(set) var sitesByKey: [String: SiteID] = [:]
    public internal(set) var visitorsByExternalID: StateMap<SiteScopedKey, VisitorID> = [:]
    /// Each site's visitors (derived; not in snapshots): the customers list reads its site's,
    /// not every visitor of the server. A set, not a list in id order: a visitor's id is taken
    /// before its record is appended, so records may be applied out of id order.
    public private(set) var visitorsBySite: [SiteID: StateSet<VisitorID>] = [:]
    /// Each site's support conversations, in id order (group chats are not among them). In
    /// chunks: an opening after a snapshot copies one chunk, not a list of a million ids.
    public private(set) var conversationsBySite: [SiteID: ChunkedRun<ConversationID>] = [:]
    /// Each site's group chats, in id order.
    public private(set) var groupChatsBySite: [SiteID: ChunkedRun<ConversationID>] = [:]
    /// Each site's support conversations that are not closed (derived; not in snapshots): an
    /// agent's connect frame and the site and agent pages, without a pass over the site.
    public internal(set) var openConversationsBySite: [SiteID: StateSet<ConversationID>] = [:]
    /// Each visitor's conversations, in id order (derived; not in snapshots): what a widget,
    /// a customer page or an erasure asks for, without a pass over the site's conversations.
    public private(set) var conversationsByVisitor: StateMap<VisitorID, [ConversationID]> = [:]
    /// A visitor's conversation that is not closed, if any.
    public internal(set) var openConversationByVisitor: StateMap<VisitorID, ConversationID> = [:]
    /// Refresh tokens by hash (only hashes are stored).
    public private(set) var refreshTokens: StateMap<String, RefreshToken> = [:]
    /// The refresh tokens in expiry order; expired ones are dropped as new ones are issued.
    private var refreshExpiry = ExpiryQueue()
    public private(set) var revokedTokenFamilies: Set<UInt64> = []
    /// Visitor session-token hash → visitor.
    public internal(set) var visitorSessions = VisitorSessions()
    /// Each agent's notifications, oldest first (at most ``notificationsKept`` per agent).
    public private(set) var notifications: [AgentID: [AgentNotification]] = [:]
    public static let notificationsKept = 1000
    /// Answers kept for `Idempotency-Key` retries.
    public internal(set) var idempotency = IdempotencyLedger()
    /// Site-level settings (widget channels).
    public private(set) var settings = SiteSettings()
    /// Team invites.
    public private(set) var team = TeamState()
    /// Two-factor logins.
    public private(set) var twoFactor = TwoFactorState()
    /// Sites' plans and customers' ratings.
    public internal(set) var plans = AccountPlans()
    /// Customers identified by the site's user id, and merged widget sessions.
    public internal(set) var identities = CustomerIdentities()
    /// Webhooks and their outbox (filled here, in the same apply as the change it reports).
    public internal(set) var webhooks = WebhookOutbox()
    /// Uploaded files' metadata (their bytes are blobs in the data directory).
    public internal(set) var files = FileShelf()
    /// Knowledge-base documents and their passages.
    public private(set) var knowledge = KnowledgeShelf()
    /// Sites' AI settings.
    public private(set) var ai = AIShelf()
    /// The history files that hold conversations' cold messages.
    public internal(set) var history = HistoryCatalog()
    /// Sites' retention periods and the newest purge (issue 16; `ParleyState+Purge.swift`).
    public internal(set) var retention = RetentionPolicies()

    public init() {}

    /// Folds in one log record. Returns `false` when the record had already been applied.
    @discardableResult
    public mutating func apply(_ event: Event, lsn: UInt64) throws(StateError) -> Bool {
        // A rejected record still counts as processed: a snapshot never asks to replay it again.
        defer { appliedLSN = max(appliedLSN, lsn) }
        return try applyChecked(event, lsn: lsn)
    }

    private mutating func applyChecked(_ event: Event, lsn: UInt64) throws(StateError) -> Bool {
        switch event {
        case .siteCreated(var site):
            if let existing = sites[site.id], existing.lastLSN >= lsn { return false }
            site.lastLSN = lsn
            insert(site)
        case .agentCreated(var agent):
            if let existing = agents[agent.id], existing.lastLSN >= lsn { return false }
            guard sites[agent.siteID] != nil else { throw .unknown("site", agent.siteID.rawValue, lsn: lsn) }
            agent.lastLSN = lsn
            insert(agent)
        case .agentAvailabilityChanged(let id, let availability, let at):
            guard var agent = agents[id] else { throw .unknown("agent", id.rawValue, lsn: lsn) }
            if agent.lastLSN >= lsn { return false }
            agent.availability = availability
            agent.lastSeenAt = at
            agent.lastLSN = lsn
            agents[id] = agent
        case .visitorRegistered(var visitor):
            if let existing = visitors[visitor.id], existing.lastLSN >= lsn { return false }
            guard sites[visitor.siteID] != nil else { throw .unknown("site", visitor.siteID.rawValue, lsn: lsn) }
            visitor.lastLSN = lsn
            insert(visitor)
        case .visitorSeen(let id, let name, let email, let metadata, let at):
            guard var visitor = visitors[id] else { throw .unknown("visitor", id.rawValue, lsn: lsn) }
            if visitor.lastLSN >= lsn { return false }
            visitor.name = name
            if let email { visitor.email = email }
            if let metadata { visitor.metadataJSON = metadata }
            visitor.lastSeenAt = at
            visitor.lastLSN = lsn
            visitors[id] = visitor
        case .conversationOpened(let conversation):
            if let existing = conversations[conversation.id], existing.lastLSN >= lsn { return false }
            switch conversation.party {
            case .visitor(let visitor):
                guard visitors[visitor] != nil else { throw .unknown("visitor", visitor.rawValue, lsn: lsn) }
            case .group(let group):
                for member in group.memberIDs where agents[member]?.siteID != conversation.siteID {
                    throw .unknown("agent", member.rawValue, lsn: lsn)
                }
                insert(ConversationLog(conversation: conversation, lastLSN: lsn))
                return true
            }
            insert(ConversationLog(conversation: conversation, lastLSN: lsn))
            webhooks.record(.conversationCreated, subject: .conversation(conversation), site: conversation.siteID, at: conversation.createdAt, lsn: lsn)
            // In id order: replay must hand out the same notification ids as the live run.
            for agent in agents.values.filter({ $0.siteID == conversation.siteID && !$0.isBot }).sorted(by: { $0.id < $1.id }) {
                notify(agent.id, .newConversation, conversation.id, at: conversation.createdAt)
            }
        case .conversationAssigned(let id, let agent, let at):
            let applied = try updateConversation(id, lsn: lsn) { log in
                log.conversation.assignedAgentID = agent
            }
            if applied, let agent { notify(agent, .assigned, id, at: at) }
            if applied, agent != nil { tellWebhooks(.conversationAssigned, about: id, at: at, lsn: lsn) }
            return applied
        case .conversationClosed(let id, let at):
            let applied = try updateConversation(id, lsn: lsn) { log in
                log.conversation.closedAt = log.conversation.closedAt ?? at
            }
            if applied, let site = conversations[id]?.conversation.siteID { openConversationsBySite[site]?.remove(id) }
            if applied, let visitor = conversations[id]?.conversation.visitorID, openConversationByVisitor[visitor] == id {
                openConversationByVisitor[visitor] = nil
            }
            if applied { tellWebhooks(.conversationClosed, about: id, at: at, lsn: lsn) }
            return applied
        case .groupChatUpdated(let id, let name, let isPublic, _):
            guard var group = conversations[id]?.conversation.group else { throw .unknown("group chat", id.rawValue, lsn: lsn) }
            group.name = name
            group.isPublic = isPublic
            return try updateConversation(id, lsn: lsn) { log in log.conversation.party = .group(group) }
        case .conversationArchived(let id, let archived, let at):
            return try updateConversation(id, lsn: lsn) { log in
                log.conversation.archivedAt = archived ? (log.conversation.archivedAt ?? at) : nil
            }
        case .messageAppended(let message):
            // What the rest needs of the conversation, read while its log is at hand.
            var assignee: AgentID?
            var site = SiteID(0)
            var isSupport = false
            let appended = try changeConversation(message.conversationID, lsn: lsn) { log throws(StateError) in
                if message.seq <= log.lastSeq { return false }
                guard message.seq == log.lastSeq + 1 else {
                    throw .seqGap(message.conversationID, expected: log.lastSeq + 1, found: message.seq, lsn: lsn)
                }
                log.hotMessages.append(message)
                log.conversation.lastMessageAt = message.createdAt
                assignee = log.conversation.assignedAgentID
                site = log.conversation.siteID
                if case .visitor = log.conversation.party { isSupport = true }
                return true
            }
            guard appended else { return false }
            messageCount += 1
            watermarks.observe(.message, message.id.rawValue)
            if case .visitor = message.sender, let assignee {
                notify(assignee, .newMessage, message.conversationID, message: message.id, at: message.createdAt)
            }
            // Only when some site has a webhook: the message path pays nothing otherwise.
            if !webhooks.webhooks.isEmpty, isSupport {
                switch message.sender {
                case .visitor: webhooks.record(.messageReceived, subject: .message(message), site: site, at: message.createdAt, lsn: lsn)
                case .agent, .bot: webhooks.record(.messageSent, subject: .message(message), site: site, at: message.createdAt, lsn: lsn)
                case .system: break
                }
            }
        case .readCursorMoved(let id, let participant, let seq, let at):
            return try updateConversation(id, lsn: lsn) { log in
                let target = min(seq, log.lastSeq)
                if target > log.readCursors[participant]?.seq ?? 0 {
                    log.readCursors[participant] = ReadCursor(seq: target, updatedAt: at)
                }
            }
        // Token records are idempotent by nature: applying one twice changes nothing.
        case .refreshTokenIssued(let token):
            guard agents[token.agentID] != nil else { throw .unknown("agent", token.agentID.rawValue, lsn: lsn) }
            if refreshTokens[token.tokenHash] != nil { return false }
            refreshTokens[token.tokenHash] = token
            refreshExpiry.insert(token.tokenHash, expiresAt: token.expiresAt)
            // Tokens that expired before this one was issued can never be used again (their
            // family's id stays above the watermark through revokedTokenFamilies or this token).
            for hash in refreshExpiry.popExpired(before: token.issuedAt) {
                if let expired = refreshTokens[hash], expired.expiresAt < token.issuedAt { refreshTokens[hash] = nil }
            }
            watermarks.tokenFamily = max(watermarks.tokenFamily, token.family)
            // A login or a refresh is the agent seen (max: replaying it again changes nothing).
            let seen = agents[token.agentID]?.lastSeenAt
            agents[token.agentID]?.lastSeenAt = max(seen ?? token.issuedAt, token.issuedAt)
        case .refreshTokenSpent(let hash, let at):
            guard refreshTokens[hash] != nil, refreshTokens[hash]?.spentAt == nil else { return false }
            refreshTokens[hash]?.spentAt = at
        case .refreshFamilyRevoked(let family, _):
            return revokedTokenFamilies.insert(family).inserted
        case .visitorSessionIssued(let visitor, let hash, let at):
            guard visitors[visitor] != nil else { throw .unknown("visitor", visitor.rawValue, lsn: lsn) }
            return visitorSessions.issue(hash, to: visitor, at: at)
        case .notificationsRead(let agent, let ids, _):
            // Counted against the agent's LSN: replaying "mark all read" over a state that has
            // later notifications must not mark those read too.
            if let known = agents[agent], known.lastLSN >= lsn { return false }
            agents[agent]?.lastLSN = lsn
            guard var list = notifications[agent] else { return false }
            let wanted = Set(ids)
            var changed = false
            for index in list.indices where !list[index].read && (wanted.isEmpty || wanted.contains(list[index].id)) {
                list[index].read = true
                changed = true
            }
            notifications[agent] = list
            return changed
        case .widgetChannelConfigured(let site, let name, let widget, let origins, let at):
            guard sites[site] != nil else { throw .unknown("site", site.rawValue, lsn: lsn) }
            let channel = WidgetChannel(siteID: site, name: name, allowedOrigins: origins, updatedAt: at, lastLSN: lsn)
            guard settings.configure(channel) else { return false }
            sites[site]?.widget = widget
        case .inviteCreated(let invite):
            guard sites[invite.siteID] != nil else { throw .unknown("site", invite.siteID.rawValue, lsn: lsn) }
            return team.add(invite)
        case .inviteAccepted(let hash, var agent):
            guard team.invites[hash] != nil else { throw .unknown("invite", 0, lsn: lsn) }
            if let existing = agents[agent.id], existing.lastLSN >= lsn { return false }
            guard sites[agent.siteID] != nil else { throw .unknown("site", agent.siteID.rawValue, lsn: lsn) }
            _ = team.accept(hash, at: agent.createdAt)
            agent.lastLSN = lsn
            insert(agent)
        case .agentRoleChanged(let id, let role, _):
            guard var agent = agents[id] else { throw .unknown("agent", id.rawValue, lsn: lsn) }
            if agent.lastLSN >= lsn { return false }
            agent.role = role
            agent.lastLSN = lsn
            agents[id] = agent
            // The site's owner of record follows: the lowest-id owner left, if any.
            sites[agent.siteID]?.ownerAgentID = agents.values.filter { $0.siteID == agent.siteID && $0.role == .owner }
                .map(\.id).min()
        case .twoFactorSecretIssued(let agent, _, _, _), .twoFactorEnabled(let agent, _, _), .twoFactorDisabled(let agent, _),
            .twoFactorCodeUsed(let agent, _, _, _):
            guard agents[agent] != nil else { throw .unknown("agent", agent.rawValue, lsn: lsn) }
            return twoFactor.apply(event, lsn: lsn)
        case .sitePlanChanged(let site, let plan, let by, let at):
            guard sites[site] != nil else { throw .unknown("site", site.rawValue, lsn: lsn) }
            return plans.set(SitePlan(siteID: site, plan: plan, changedBy: by, since: at, lastLSN: lsn))
        case .conversationRated(let conversation, let score, let comment, let at):
            guard conversations[conversation] != nil else { throw .unknown("conversation", conversation.rawValue, lsn: lsn) }
            return plans.rate(ConversationRating(conversationID: conversation, score: score, comment: comment, ratedAt: at, lastLSN: lsn))
        case .customerIdentified(let id, let userID, let name, let email, let metadata, let at):
            guard let visitor = visitors[id] else { throw .unknown("visitor", id.rawValue, lsn: lsn) }
            if visitor.lastLSN >= lsn { return false }
            visitors[id]?.lastLSN = lsn
            let customer = identities.identify(id, site: visitor.siteID, userID: userID)
            // The session now names the customer; the fields given update it.
            visitorsByExternalID[SiteScopedKey(site: visitor.siteID, key: visitor.externalID)] = customer
            if let name { visitors[customer]?.name = name }
            if let email { visitors[customer]?.email = email }
            if let metadata { visitors[customer]?.metadataJSON = metadata }
            if let seen = visitors[customer]?.lastSeenAt, seen < at { visitors[customer]?.lastSeenAt = at }
            if customer != id, let known = visitors[customer]?.lastLSN { visitors[customer]?.lastLSN = max(known, lsn) }
            webhooks.record(.customerIdentified, subject: .customer(customer), site: visitor.siteID, at: at, lsn: lsn)
        // A deleted webhook keeps no LSN of its own: the state's applied LSN stops a replayed
        // save from bringing it back (records apply in LSN order).
        case .webhookSaved(let webhook):
            guard sites[webhook.siteID] != nil else { throw .unknown("site", webhook.siteID.rawValue, lsn: lsn) }
            guard lsn > appliedLSN else { return false }
            return webhooks.save(webhook, lsn: lsn)
        case .webhookDeleted(let id, _):
            guard lsn > appliedLSN else { return false }
            return webhooks.delete(id)
        case .webhookAttempted(let attempt):
            let (applied, disabled) = webhooks.attempted(attempt, lsn: lsn)
            if let disabled {
                // The site's owners hear of it (in id order, as replay will).
                for owner in agents.values.filter({ $0.siteID == disabled.siteID && $0.role == .owner }).sorted(by: { $0.id < $1.id }) {
                    notify(owner.id, .webhookDisabled, nil, webhook: disabled.id, at: attempt.at)
                }
            }
            return applied
        case .webhookDeliveryRequested(let id, let redeliver, let at):
            guard webhooks.webhooks[id] != nil else { throw .unknown("webhook", id.rawValue, lsn: lsn) }
            return webhooks.request(id, redeliver: redeliver, at: at, lsn: lsn)
        // Like webhooks, a deleted file keeps no LSN: the applied LSN stops a replayed store.
        case .fileStored(let file):
            guard sites[file.siteID] != nil else { throw .unknown("site", file.siteID.rawValue, lsn: lsn) }
            guard lsn > appliedLSN else { return false }
            return files.add(file)
        case .fileDeleted(let id, _):
            guard lsn > appliedLSN else { return false }
            return files.remove(id) != nil
        // Like files, a deleted document keeps no LSN: the applied LSN stops a replayed add.
        case .knowledgeDocumentAdded(let document):
            guard sites[document.siteID] != nil else { throw .unknown("site", document.siteID.rawValue, lsn: lsn) }
            guard lsn > appliedLSN else { return false }
            return knowledge.add(document)
        case .knowledgeDocumentDeleted(let id, _):
            guard lsn > appliedLSN else { return false }
            return knowledge.remove(id)
        case .aiSettingsSaved(let settings):
            guard sites[settings.siteID] != nil else { throw .unknown("site", settings.siteID.rawValue, lsn: lsn) }
            return ai.save(settings, lsn: lsn)
        case .historyFileAdded(let added):
            guard lsn > appliedLSN else { return false }
            // Checked whole before anything changes: a record the state cannot follow changes nothing.
            for move in added.moves {
                guard let log = conversations[move.conversation] else {
                    throw .unknown("conversation", move.conversation.rawValue, lsn: lsn)
                }
                guard move.through <= log.lastSeq else {
                    throw .coldBeyondEnd(move.conversation, through: move.through, lastSeq: log.lastSeq, lsn: lsn)
                }
            }
            guard history.add(added.number) else { return false }
            for move in added.moves {
                // In place (no copy of the conversation's history); the LSN stays the conversation's own.
                history.moved(conversations.modify(move.conversation) { $0.makeCold(through: move.through) }!)
            }
        case .retentionSet(var policy):
            guard sites[policy.siteID] != nil else { throw .unknown("site", policy.siteID.rawValue, lsn: lsn) }
            policy.lastLSN = lsn
            return retention.set(policy)
        case .messagesExpired(let expired):
            return try applyExpiry(expired, lsn: lsn)
        case .visitorErased(let visitor, _, let at):
            return try applyErasure(of: visitor, at: at, lsn: lsn)
        case .historyFileReplaced(let old, let new, _):
            guard lsn > appliedLSN else { return false }
            guard history.replace(old, with: new) else { throw .unknown("history file", old, lsn: lsn) }
        case .idempotentReplyRecorded(let reply):
            // A reply already kept (replay over a snapshot that has it) is not kept twice; the
            // answer replaces its pending key.
            if let kept = idempotency.replies[reply.scope], kept.supersedes(reply) { return false }
            idempotency.record(reply)
        }
        return true
    }

    private mutating func updateConversation(
        _ id: ConversationID, lsn: UInt64, _ change: (inout ConversationLog) -> Void
    ) throws(StateError) -> Bool {
        try changeConversation(id, lsn: lsn) { log throws(StateError) in
            change(&log)
            return true
        }
    }

    /// Changes conversation `id`'s log when `lsn` is newer than its last record and `change`
    /// returns `true` (it may decline, or refuse by throwing); returns whether it changed.
    ///
    /// The log is changed where it lies in the map (``StateMap/modify(_:_:)``), never copied: a
    /// read through the map's getter (`conversations[id]?.lastLSN`) copies the whole log first,
    /// every reference in it retained and released, which the message path paid twice per
    /// message.
    private mutating func changeConversation(
        _ id: ConversationID, lsn: UInt64, _ change: (inout ConversationLog) throws(StateError) -> Bool
    ) throws(StateError) -> Bool {
        let changed = try conversations.modify(id) { (log: inout ConversationLog) throws(StateError) -> Bool in
            guard log.lastLSN < lsn, try change(&log) else { return false }
            log.lastLSN = lsn
            return true
        }
        guard let changed else { throw .unknown("conversation", id.rawValue, lsn: lsn) }
        return changed
    }

    /// Puts a conversation event in the outbox of the site's webhooks (support conversations only).
    private mutating func tellWebhooks(_ event: WebhookEvent, about id: ConversationID, at: Timestamp, lsn: UInt64) {
        guard !webhooks.webhooks.isEmpty, let header = conversations[id]?.conversation, header.group == nil else { return }
        webhooks.record(event, subject: .conversation(header), site: header.siteID, at: at, lsn: lsn)
    }

    private mutating func notify(
        _ agent: AgentID, _ kind: AgentNotification.Kind, _ conversation: ConversationID?, message: MessageID? = nil,
        webhook: WebhookID? = nil, at: Timestamp
    ) {
        watermarks.notification += 1
        var list = notifications[agent] ?? []
        list.append(
            AgentNotification(
                id: watermarks.notification, agentID: agent, kind: kind, conversationID: conversation, messageID: message, webhookID: webhook,
                createdAt: at))
        if list.count > Self.notificationsKept { list.removeFirst(list.count - Self.notificationsKept) }
        notifications[agent] = list
    }

    private mutating func insert(_ site: Site) {
        sites[site.id] = site
        sitesByKey[site.publicKey] = site.id
        sitesByKey[site.secretKey] = site.id
        watermarks.observe(.site, site.id.rawValue)
    }

    private mutating func insert(_ agent: Agent) {
        agents[agent.id] = agent
        for login in Set([agent.username.lowercased(), agent.email.lowercased()]) where !login.isEmpty {
            agentsByLogin[login, default: []].append(agent.id)
        }
        if agent.role == .owner, sites[agent.siteID]?.ownerAgentID == nil {
            sites[agent.siteID]?.ownerAgentID = agent.id
        }
        watermarks.observe(.agent, agent.id.rawValue)
    }

    /// Keeps a registered visitor and indexes it (by its site's external id and by site).
    private mutating func insert(_ visitor: Visitor) {
        visitors[visitor.id] = visitor
        visitorsByExternalID[SiteScopedKey(site: visitor.siteID, key: visitor.externalID)] = visitor.id
        visitorsBySite[visitor.siteID, default: StateSet()].insert(visitor.id)
        watermarks.observe(.visitor, visitor.id.rawValue)
    }

    private mutating func insert(_ log: ConversationLog) {
        let conversation = log.conversation
        let isNew = conversations[conversation.id] == nil
        conversations[conversation.id] = log
        switch conversation.party {
        case .visitor(let visitor):
            if isNew {
                conversationsBySite[conversation.siteID, default: []].append(conversation.id)
                conversationsByVisitor[visitor, default: []].append(conversation.id)
            }
            if conversation.closedAt == nil {
                openConversationByVisitor[visitor] = conversation.id
                openConversationsBySite[conversation.siteID, default: StateSet()].insert(conversation.id)
            }
        case .group:
            if isNew { groupChatsBySite[conversation.siteID, default: []].append(conversation.id) }
        }
        messageCount += log.messageCount
        for message in log.hotMessages { watermarks.observe(.message, message.id.rawValue) }
        watermarks.observe(.conversation, conversation.id.rawValue)
    }

    /// Rebuilds the state from snapshot contents (entities carry their own `lastLSN`).
    public init(
        sites: [Site], agents: [Agent], visitors: [Visitor], conversations: [ConversationLog], appliedLSN: UInt64,
        tokens: TokenTables = TokenTables(), settings: SiteSettings = SiteSettings(), team: TeamState = TeamState(),
        twoFactor: TwoFactorState = TwoFactorState(), plans: AccountPlans = AccountPlans(),
        identities: CustomerIdentities = CustomerIdentities(), webhooks: WebhookOutbox = WebhookOutbox(),
        files: FileShelf = FileShelf(), knowledge: KnowledgeShelf = KnowledgeShelf(), ai: AIShelf = AIShelf(),
        history: HistoryCatalog = HistoryCatalog(), messageWatermark: UInt64 = 0,
        retention: RetentionPolicies = RetentionPolicies()
    ) {
        self.ai = ai
        self.history = history
        self.retention = retention
        // Cold messages' ids are not in RAM: the watermark the snapshot kept covers them.
        watermarks.message = messageWatermark
        self.files = files
        self.knowledge = knowledge
        self.webhooks = webhooks
        self.plans = plans
        self.identities = identities
        self.settings = settings
        self.team = team
        self.twoFactor = twoFactor
        for notification in tokens.notifications {
            notifications[notification.agentID, default: []].append(notification)
            watermarks.notification = max(watermarks.notification, notification.id)
        }
        watermarks.notification = max(watermarks.notification, tokens.notificationWatermark)
        for token in tokens.refreshTokens { refreshTokens[token.tokenHash] = token }
        refreshExpiry = ExpiryQueue(refreshTokens.values)
        revokedTokenFamilies = tokens.revokedFamilies
        visitorSessions = VisitorSessions(restoring: tokens.visitorSessions)
        idempotency = IdempotencyLedger(tokens.idempotentReplies)
        // Expired tokens are pruned: revoked families count too, so no family id is reused.
        watermarks.tokenFamily = max(tokens.refreshTokens.map(\.family).max() ?? 0, tokens.revokedFamilies.max() ?? 0)
        for site in sites { insert(site) }
        for agent in agents { insert(agent) }
        for visitor in visitors { insert(visitor) }
        // A merged visitor's session id names the customer it was merged into.
        for (merged, customer) in identities.mergedInto {
            if let visitor = self.visitors[merged] {
                visitorsByExternalID[SiteScopedKey(site: visitor.siteID, key: visitor.externalID)] = customer
            }
        }
        for log in conversations.sorted(by: { $0.conversation.id < $1.conversation.id }) { insert(log) }
        self.appliedLSN = appliedLSN
    }

    /// This state as a snapshot written before codec version 3 restores it: without
    /// notifications (they are derived data that older versions did not keep).
    public func withoutNotifications() -> ParleyState {
        var copy = self
        copy.notifications = [:]
        copy.watermarks.notification = 0
        return copy
    }

    /// A site's widget channel: as configured, else its initial settings.
    public func widgetChannel(of site: Site) -> WidgetChannel {
        settings.widgetChannels[site.id] ?? .initial(for: site)
    }

    /// Entity counts, as the snapshot header records them.
    public var counts: EntityCounts {
        EntityCounts(
            sites: UInt64(sites.count), agents: UInt64(agents.count), visitors: UInt64(visitors.count),
            conversations: UInt64(conversations.count), messages: UInt64(messageCount),
            readCursors: UInt64(conversations.values.reduce(0) { $0 + $1.readCursors.count }))
    }
}

/// The token and notification sections of a snapshot (body versions 2 and 3).
public struct TokenTables: Sendable {
    public var refreshTokens: [RefreshToken] = []
    public var revokedFamilies: Set<UInt64> = []
    /// Visitor sessions by token hash (the issue time from body version 16; 0 before).
    public var visitorSessions: [String: VisitorSessions.Session] = [:]
    /// Every agent's notifications, oldest first per agent.
    public var notifications: [AgentNotification] = []
    /// The highest notification id handed out (ids continue above it).
    public var notificationWatermark: UInt64 = 0
    /// Answers kept for `Idempotency-Key` retries (body version 4).
    public var idempotentReplies: [IdempotentReply] = []

    public init(
        refreshTokens: [RefreshToken] = [], revokedFamilies: Set<UInt64> = [], visitorSessions: [String: VisitorSessions.Session] = [:]
    ) {
        self.refreshTokens = refreshTokens
        self.revokedFamilies = revokedFamilies
        self.visitorSessions = visitorSessions
    }
}

/// A key that is unique inside one site (a visitor's external id, say).
public struct SiteScopedKey: Hashable, Sendable {
    public var site: SiteID
    public var key: String

    public init(site: SiteID, key: String) {
        self.site = site
        self.key = key
    }
}

/// How many entities of each kind a state (or a snapshot) holds.
public struct EntityCounts: Hashable, Sendable {
    public var sites: UInt64
    public var agents: UInt64
    public var visitors: UInt64
    public var conversations: UInt64
    public var messages: UInt64
    public var readCursors: UInt64

    public init(sites: UInt64, agents: UInt64, visitors: UInt64, conversations: UInt64, messages: UInt64, readCursors: UInt64) {
        self.sites = sites
        self.agents = agents
        self.visitors = visitors
        self.conversations = conversations
        self.messages = messages
        self.readCursors = readCursors
    }
}

/// A log record that cannot be applied: the log and the state disagree.
public enum StateError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknown(String, UInt64, lsn: UInt64)
    case seqGap(ConversationID, expected: UInt64, found: UInt64, lsn: UInt64)
    /// A history file's record moves messages the conversation does not have.
    case coldBeyondEnd(ConversationID, through: UInt64, lastSeq: UInt64, lsn: UInt64)

    public var description: String {
        switch self {
        case .unknown(let kind, let id, let lsn): "record at LSN \(lsn) names unknown \(kind) \(id)"
        case .seqGap(let conversation, let expected, let found, let lsn):
            "record at LSN \(lsn) gives \(conversation) seq \(found), expected \(expected)"
        case .coldBeyondEnd(let conversation, let through, let lastSeq, let lsn):
            "record at LSN \(lsn) moves \(conversation)'s messages through seq \(through) to history, but it ends at seq \(lastSeq)"
        }
    }
}
