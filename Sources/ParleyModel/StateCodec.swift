/// The snapshot body codec: a whole ``ParleyState`` ⇄ bytes (before LZ4 compression).
///
/// Layout (all integers varints): codec version byte, applied LSN, then four sections — sites,
/// agents, visitors, conversations — each a count followed by that many entities, every entity
/// followed by its `lastLSN`. A conversation carries its messages (without the conversation id)
/// and its read cursors. Version 2 appends a token section: refresh tokens, revoked families,
/// visitor sessions (hash → visitor, and from version 16 its issue time), each a count and its
/// entries in a sorted order. Version 3
/// appends the notification id watermark and every agent's notifications (by agent, oldest first).
/// Version 4 appends the idempotent replies (oldest first). Version 18 gives each conversation
/// its cold prefix (the newest `seq` in history files) before its hot messages, and appends the
/// history section; version 19 follows the cold prefix with the purged prefix and appends the
/// retention section (snapshots/FORMAT.md has every section).
public enum StateCodec {
    public static func encode(_ state: ParleyState) -> [UInt8] {
        // Sized for the hot messages: cold ones are in history files, not in the body.
        var writer = BinaryWriter(capacity: 256 + max(0, state.messageCount - Int(state.history.coldMessages)) * 96)
        writer.write(EventCodec.currentVersion)
        writer.write(state.appliedLSN)
        writer.write(UInt64(state.sites.count))
        for site in state.sites.values.sorted(by: { $0.id < $1.id }) {
            writer.write(site)
            writer.write(site.lastLSN)
        }
        writer.write(UInt64(state.agents.count))
        for agent in state.agents.values.sorted(by: { $0.id < $1.id }) {
            writer.write(agent)
            writer.write(agent.lastLSN)
        }
        writer.write(UInt64(state.visitors.count))
        for visitor in state.visitors.values.sorted(by: { $0.id < $1.id }) {
            writer.write(visitor)
            writer.write(visitor.lastLSN)
        }
        writer.write(UInt64(state.conversations.count))
        for log in state.conversations.values.sorted(by: { $0.conversation.id < $1.conversation.id }) {
            writer.write(log.conversation)
            writer.write(log.lastLSN)
            writer.write(log.coldThrough)  // v18
            writer.write(log.purgedThrough)  // v19
            writer.write(UInt64(log.hotMessages.count))
            for message in log.hotMessages { writer.write(message, includingConversation: false) }
            writer.write(UInt64(log.readCursors.count))
            // Sorted, so that equal states always encode to equal bytes.
            for (participant, cursor) in log.readCursors.sorted(by: { $0.key.sortKey < $1.key.sortKey }) {
                writer.write(participant)
                writer.write(cursor.seq)
                writer.write(cursor.updatedAt)
            }
        }
        writer.write(UInt64(state.refreshTokens.count))
        for token in state.refreshTokens.values.sorted(by: { $0.tokenHash < $1.tokenHash }) { writer.write(token) }
        writer.write(UInt64(state.revokedTokenFamilies.count))
        for family in state.revokedTokenFamilies.sorted() { writer.write(family) }
        writer.write(UInt64(state.visitorSessions.count))
        for (hash, session) in state.visitorSessions.all.sorted(by: { $0.key < $1.key }) {
            writer.write(hash)
            writer.write(session.visitor)
            writer.write(session.issuedAt)  // v16
        }
        writer.write(state.watermarks.notification)
        let notifications = state.notifications.sorted { $0.key < $1.key }.flatMap(\.value)
        writer.write(UInt64(notifications.count))
        for notification in notifications { writer.write(notification) }
        let replies = state.idempotency.sorted
        writer.write(UInt64(replies.count))
        for reply in replies { writer.write(reply) }
        let channels = state.settings.widgetChannels.values.sorted { $0.siteID < $1.siteID }
        writer.write(UInt64(channels.count))
        for channel in channels {
            writer.write(channel.siteID)
            writer.write(channel.name)
            writer.write(UInt64(channel.allowedOrigins.count))
            for origin in channel.allowedOrigins { writer.write(origin) }
            writer.write(channel.updatedAt)
            writer.write(channel.lastLSN)
        }
        let invites = state.team.invites.values.sorted { ($0.createdAt, $0.tokenHash) < ($1.createdAt, $1.tokenHash) }
        writer.write(UInt64(invites.count))
        for invite in invites { writer.write(invite) }
        let twoFactor = state.twoFactor.accounts.values.sorted { $0.agentID < $1.agentID }
        writer.write(UInt64(twoFactor.count))
        for account in twoFactor {
            writer.write(account.agentID)
            writer.write(account.phase.rawValue)
            writer.write(account.secret)
            writer.write(UInt64(account.backupCodeHashes.count))
            for hash in account.backupCodeHashes { writer.write(hash) }
            writer.write(account.lastStep)
            writer.write(account.updatedAt)
            writer.write(account.lastLSN)
        }
        let plans = state.plans.plans.values.sorted { $0.siteID < $1.siteID }
        writer.write(UInt64(plans.count))
        for plan in plans {
            writer.write(plan.siteID)
            writer.write(plan.plan.rawValue)
            writer.write(plan.changedBy)
            writer.write(plan.since)
            writer.write(plan.lastLSN)
        }
        let ratings = state.plans.ratings.values.sorted { $0.conversationID < $1.conversationID }
        writer.write(UInt64(ratings.count))
        for rating in ratings {
            writer.write(rating.conversationID)
            writer.write(rating.score)
            writer.write(rating.comment)
            writer.write(rating.ratedAt)
            writer.write(rating.lastLSN)
        }
        let identified = state.identities.userIDs.sorted { $0.key < $1.key }
        writer.write(UInt64(identified.count))
        for (visitor, userID) in identified {
            writer.write(visitor)
            writer.write(userID)
        }
        let merges = state.identities.mergedInto.sorted { $0.key < $1.key }
        writer.write(UInt64(merges.count))
        for (visitor, into) in merges {
            writer.write(visitor)
            writer.write(into)
        }
        // v12: webhooks (each with its last-applied LSN), deliveries, the id watermarks.
        let webhooks = state.webhooks.webhooks.values.sorted { $0.id < $1.id }
        writer.write(UInt64(webhooks.count))
        for webhook in webhooks {
            writer.write(webhook)
            writer.write(webhook.lastLSN)
        }
        let deliveries = state.webhooks.deliveries.values.sorted { $0.id < $1.id }
        writer.write(UInt64(deliveries.count))
        for delivery in deliveries { writer.write(delivery) }
        writer.write(state.webhooks.deliveryWatermark)
        writer.write(state.webhooks.eventWatermark)
        writer.write(state.webhooks.webhookWatermark)
        // v13: files (by id), then the file id watermark.
        let files = state.files.files.values.sorted { $0.id < $1.id }
        writer.write(UInt64(files.count))
        for file in files { writer.write(file) }
        writer.write(state.files.watermark)
        // v14: knowledge documents (by id), then the document id watermark.
        let documents = state.knowledge.documents.values.sorted { $0.id < $1.id }
        writer.write(UInt64(documents.count))
        for document in documents { writer.write(document) }
        writer.write(state.knowledge.watermark)
        // v15: AI settings (by site), each with its last-applied LSN.
        let ai = state.ai.settings.values.sorted { $0.siteID < $1.siteID }
        writer.write(UInt64(ai.count))
        for settings in ai {
            writer.write(settings)
            writer.write(settings.lastLSN)
        }
        // v18: the live history files, how many messages they hold, the message id watermark.
        writer.write(UInt64(state.history.liveFiles.count))
        for number in state.history.liveFiles.sorted() { writer.write(number) }
        writer.write(state.history.coldMessages)
        writer.write(state.watermarks.message)
        // v19: retention periods by site, then the newest purge's LSN.
        let policies = state.retention.policies.values.sorted { $0.siteID < $1.siteID }
        writer.write(UInt64(policies.count))
        for policy in policies {
            writer.write(policy.siteID)
            writer.write(UInt64(policy.days))
            writer.write(policy.setBy)
            writer.write(policy.setAt)
            writer.write(policy.lastLSN)
        }
        writer.write(state.retention.lastPurgeLSN)
        return writer.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(CodecError) -> ParleyState {
        var reader = BinaryReader(bytes)
        let version = try reader.readByte()
        guard version >= 1, version <= EventCodec.currentVersion else {
            throw .unsupportedVersion(found: version, supported: EventCodec.currentVersion)
        }
        let appliedLSN = try reader.readUInt64()
        var sites: [Site] = []
        for _ in 0..<(try reader.readCount()) {
            var site = try reader.readSite()
            site.lastLSN = try reader.readUInt64()
            sites.append(site)
        }
        var agents: [Agent] = []
        for _ in 0..<(try reader.readCount()) {
            var agent = try reader.readAgent(version: version)
            agent.lastLSN = try reader.readUInt64()
            agents.append(agent)
        }
        var visitors: [Visitor] = []
        for _ in 0..<(try reader.readCount()) {
            var visitor = try reader.readVisitor()
            visitor.lastLSN = try reader.readUInt64()
            visitors.append(visitor)
        }
        var conversations: [ConversationLog] = []
        for _ in 0..<(try reader.readCount()) {
            let conversation = try reader.readConversation(version: version)
            var log = ConversationLog(conversation: conversation, lastLSN: try reader.readUInt64())
            log.coldThrough = version >= 18 ? try reader.readUInt64() : 0
            log.purgedThrough = version >= 19 ? try reader.readUInt64() : 0
            guard log.purgedThrough <= log.coldThrough else {
                throw .malformed("\(conversation.id) is purged through seq \(log.purgedThrough), past its cold prefix \(log.coldThrough)")
            }
            let messageCount = try reader.readCount()
            guard log.coldThrough <= UInt64.max - UInt64(messageCount) else {
                throw .malformed("\(conversation.id) has \(messageCount) messages after seq \(log.coldThrough)")
            }
            log.hotMessages.reserveCapacity(messageCount)
            for index in 0..<messageCount {
                let message = try reader.readMessage(in: conversation.id, version: version)
                guard message.seq == log.coldThrough + UInt64(index + 1) else {
                    throw .malformed("\(conversation.id) has seq \(message.seq) at position \(log.coldThrough + UInt64(index + 1))")
                }
                log.hotMessages.append(message)
            }
            for _ in 0..<(try reader.readCount()) {
                let participant = try reader.readParticipant()
                log.readCursors[participant] = ReadCursor(seq: try reader.readUInt64(), updatedAt: try reader.readTimestamp())
            }
            conversations.append(log)
        }
        var tokens = TokenTables()
        if version >= 2 {
            for _ in 0..<(try reader.readCount()) { tokens.refreshTokens.append(try reader.readRefreshToken()) }
            for _ in 0..<(try reader.readCount()) { tokens.revokedFamilies.insert(try reader.readUInt64()) }
            for _ in 0..<(try reader.readCount()) {
                let hash = try reader.readString()
                let visitor: VisitorID = try reader.readID()
                let issuedAt = version >= 16 ? try reader.readTimestamp() : Timestamp(milliseconds: 0)
                tokens.visitorSessions[hash] = VisitorSessions.Session(visitor: visitor, issuedAt: issuedAt)
            }
        }
        if version >= 3 {
            tokens.notificationWatermark = try reader.readUInt64()
            for _ in 0..<(try reader.readCount()) { tokens.notifications.append(try reader.readNotification(version: version)) }
        }
        if version >= 4 {
            for _ in 0..<(try reader.readCount()) { tokens.idempotentReplies.append(try reader.readIdempotentReply()) }
        }
        var channels: [WidgetChannel] = []
        if version >= 6 {
            for _ in 0..<(try reader.readCount()) {
                let site: SiteID = try reader.readID()
                let name = try reader.readString()
                var origins: [String] = []
                for _ in 0..<(try reader.readCount()) { origins.append(try reader.readString()) }
                channels.append(
                    WidgetChannel(
                        siteID: site, name: name, allowedOrigins: origins, updatedAt: try reader.readTimestamp(),
                        lastLSN: try reader.readUInt64()))
            }
        }
        var invites: [Invite] = []
        if version >= 7 {
            for _ in 0..<(try reader.readCount()) { invites.append(try reader.readInvite()) }
        }
        var twoFactor: [TwoFactorAccount] = []
        if version >= 8 {
            for _ in 0..<(try reader.readCount()) {
                twoFactor.append(
                    TwoFactorAccount(
                        agentID: try reader.readID(), phase: try reader.readEnum(TwoFactorAccount.Phase.self),
                        secret: try reader.readString(), backupCodeHashes: try reader.readStrings(),
                        lastStep: try reader.readUInt64(), updatedAt: try reader.readTimestamp(), lastLSN: try reader.readUInt64()))
            }
        }
        var plans: [SitePlan] = []
        var ratings: [ConversationRating] = []
        if version >= 9 {
            for _ in 0..<(try reader.readCount()) {
                plans.append(
                    SitePlan(
                        siteID: try reader.readID(), plan: try reader.readEnum(Plan.self),
                        changedBy: try reader.readOptional { (r) throws(CodecError) in try r.readID() },
                        since: try reader.readTimestamp(), lastLSN: try reader.readUInt64()))
            }
            for _ in 0..<(try reader.readCount()) {
                ratings.append(
                    ConversationRating(
                        conversationID: try reader.readID(), score: try reader.readByte(), comment: try reader.readOptionalString(),
                        ratedAt: try reader.readTimestamp(), lastLSN: try reader.readUInt64()))
            }
        }
        var identified: [(VisitorID, String)] = []
        var merges: [(VisitorID, VisitorID)] = []
        if version >= 10 {
            for _ in 0..<(try reader.readCount()) { identified.append((try reader.readID(), try reader.readString())) }
            for _ in 0..<(try reader.readCount()) { merges.append((try reader.readID(), try reader.readID())) }
        }
        var outbox = WebhookOutbox()
        if version >= 12 {
            var webhooks: [Webhook] = []
            for _ in 0..<(try reader.readCount()) {
                var webhook = try reader.readWebhook()
                webhook.lastLSN = try reader.readUInt64()
                webhooks.append(webhook)
            }
            var deliveries: [WebhookDelivery] = []
            for _ in 0..<(try reader.readCount()) { deliveries.append(try reader.readWebhookDelivery(version: version)) }
            outbox = WebhookOutbox(
                webhooks: webhooks, deliveries: deliveries, deliveryWatermark: try reader.readUInt64(), eventWatermark: try reader.readUInt64(),
                webhookWatermark: try reader.readUInt64())
        }
        var shelf = FileShelf()
        if version >= 13 {
            var files: [StoredFile] = []
            for _ in 0..<(try reader.readCount()) { files.append(try reader.readStoredFile()) }
            shelf = FileShelf(files: files, watermark: try reader.readUInt64())
        }
        var knowledge = KnowledgeShelf()
        if version >= 14 {
            var documents: [KnowledgeDocument] = []
            for _ in 0..<(try reader.readCount()) { documents.append(try reader.readKnowledgeDocument()) }
            knowledge = KnowledgeShelf(documents: documents, watermark: try reader.readUInt64())
        }
        var ai: [AISettings] = []
        if version >= 15 {
            for _ in 0..<(try reader.readCount()) {
                var settings = try reader.readAISettings()
                settings.lastLSN = try reader.readUInt64()
                ai.append(settings)
            }
        }
        var history = HistoryCatalog()
        var messageWatermark: UInt64 = 0
        if version >= 18 {
            var live: Set<UInt64> = []
            for _ in 0..<(try reader.readCount()) { live.insert(try reader.readUInt64()) }
            history = HistoryCatalog(liveFiles: live, coldMessages: try reader.readUInt64())
            messageWatermark = try reader.readUInt64()
        }
        var retention = RetentionPolicies()
        if version >= 19 {
            var policies: [RetentionPolicy] = []
            for _ in 0..<(try reader.readCount()) {
                let site: SiteID = try reader.readID()
                let days = try reader.readUInt64()
                guard days <= UInt64(RetentionPolicy.maximumDays) else { throw .malformed("retention of \(days) days") }
                let by: AgentID? = try reader.readOptional { (r) throws(CodecError) in try r.readID() }
                policies.append(
                    RetentionPolicy(
                        siteID: site, days: UInt32(days), setBy: by, setAt: try reader.readTimestamp(), lastLSN: try reader.readUInt64()))
            }
            retention = RetentionPolicies(policies: policies, lastPurgeLSN: try reader.readUInt64())
        }
        let coldTotal = conversations.reduce(UInt64(0)) { $0 &+ ($1.coldThrough - $1.purgedThrough) }
        guard coldTotal == history.coldMessages, coldTotal == 0 || !history.liveFiles.isEmpty else {
            throw .malformed("the conversations' cold prefixes hold \(coldTotal) messages, the history section says \(history.coldMessages) in \(history.liveFiles.count) files")
        }
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) trailing bytes in snapshot body") }
        let sitesOfVisitors = Dictionary(visitors.map { ($0.id, $0.siteID) }, uniquingKeysWith: { first, _ in first })
        return ParleyState(
            sites: sites, agents: agents, visitors: visitors, conversations: conversations, appliedLSN: appliedLSN,
            tokens: tokens, settings: SiteSettings(widgetChannels: channels), team: TeamState(invites: invites),
            twoFactor: TwoFactorState(accounts: twoFactor), plans: AccountPlans(plans: plans, ratings: ratings),
            identities: CustomerIdentities(
                identities: identified.compactMap { visitor, userID in sitesOfVisitors[visitor].map { (visitor, $0, userID) } },
                merges: merges),
            webhooks: outbox, files: shelf, knowledge: knowledge, ai: AIShelf(settings: ai), history: history,
            messageWatermark: messageWatermark, retention: retention)
    }
}

extension BinaryReader {
    /// A count that cannot exceed the bytes left (every element takes at least one byte).
    mutating func readCount() throws(CodecError) -> Int {
        let count = try readUInt64()
        guard count <= UInt64(remaining) else { throw .malformed("count \(count) exceeds the \(remaining) bytes left") }
        return Int(count)
    }
}
