/// A change to the broker's durable state: the records of the write-ahead log.
///
/// Every event is applied by ``ParleyState/apply(_:lsn:)``. Typing and socket presence are not
/// events: they are never logged.
public enum Event: Hashable, Sendable {
    case siteCreated(Site)
    case agentCreated(Agent)
    case agentAvailabilityChanged(AgentID, Availability, at: Timestamp)
    case visitorRegistered(Visitor)
    /// A known visitor came back (registered again); the given fields replace the stored ones.
    case visitorSeen(VisitorID, name: String, email: String?, metadataJSON: String?, at: Timestamp)
    case conversationOpened(Conversation)
    /// `nil` unassigns.
    case conversationAssigned(ConversationID, AgentID?, at: Timestamp)
    case conversationClosed(ConversationID, at: Timestamp)
    case messageAppended(Message)
    /// A reader's cursor moves forward to `seq` (it never moves back).
    case readCursorMoved(ConversationID, Participant, seq: UInt64, at: Timestamp)
    /// A refresh token was issued (codec version 2).
    case refreshTokenIssued(RefreshToken)
    /// A refresh token was presented and rotated; presenting it again is reuse.
    case refreshTokenSpent(tokenHash: String, at: Timestamp)
    /// Every token of the family is void (logout, or reuse of a spent token).
    case refreshFamilyRevoked(family: UInt64, at: Timestamp)
    /// A visitor got a session token (only its SHA-256 is kept).
    case visitorSessionIssued(VisitorID, tokenHash: String, at: Timestamp)
    /// An agent read notifications: these ids, or all of them when empty (codec version 3).
    case notificationsRead(AgentID, ids: [UInt64], at: Timestamp)
    /// The answer to a request with an `Idempotency-Key`, kept for retries (codec version 4).
    case idempotentReplyRecorded(IdempotentReply)
    /// The site's widget channel was configured: its name, the widget's look and texts, and
    /// the origins it may run on (codec version 6).
    case widgetChannelConfigured(SiteID, name: String, widget: WidgetConfig, allowedOrigins: [String], at: Timestamp)
    /// A team invite was made (codec version 7).
    case inviteCreated(Invite)
    /// An invite was accepted: the agent it creates, and the invite is used (codec version 7).
    case inviteAccepted(tokenHash: String, agent: Agent)
    /// An agent's role changed (codec version 7).
    case agentRoleChanged(AgentID, AgentRole, at: Timestamp)
    /// A TOTP secret and backup codes (their SHA-256) were issued; 2FA is pending (codec v8).
    case twoFactorSecretIssued(AgentID, secret: String, backupCodeHashes: [String], at: Timestamp)
    /// A first valid code turned 2FA on (codec v8).
    case twoFactorEnabled(AgentID, step: UInt64, at: Timestamp)
    case twoFactorDisabled(AgentID, at: Timestamp)
    /// A login used a TOTP step or a backup code (either is then refused again; codec v8).
    case twoFactorCodeUsed(AgentID, step: UInt64?, backupCodeHash: String?, at: Timestamp)
    /// A site's plan changed (codec v9).
    case sitePlanChanged(SiteID, Plan, by: AgentID?, at: Timestamp)
    /// A customer rated a closed conversation 1–5 (codec v9).
    case conversationRated(ConversationID, score: UInt8, comment: String?, at: Timestamp)
    /// A widget session's visitor was identified as the site's `userID` (merged into the
    /// customer that already has it); the given fields update that customer (codec v10).
    case customerIdentified(VisitorID, userID: String, name: String?, email: String?, metadataJSON: String?, at: Timestamp)
    /// A group chat was renamed or made public or private (codec v11; group chats themselves
    /// are opened with ``conversationOpened(_:)``).
    case groupChatUpdated(ConversationID, name: String, isPublic: Bool, at: Timestamp)
    /// A chat was archived (`true`) or brought back from the archive (codec v11).
    case conversationArchived(ConversationID, archived: Bool, at: Timestamp)
    /// A webhook was created or changed: the whole webhook (codec v12).
    case webhookSaved(Webhook)
    /// A webhook was deleted, with its deliveries (codec v12).
    case webhookDeleted(WebhookID, at: Timestamp)
    /// The dispatcher tried a delivery (codec v12).
    case webhookAttempted(WebhookAttempt)
    /// An owner asked for a `ping` (`redeliver` nil) or for an earlier delivery's event again (codec v12).
    case webhookDeliveryRequested(WebhookID, redeliver: UInt64?, at: Timestamp)
    /// A file's bytes are in their blob (fsynced before this record): its metadata (codec v13).
    case fileStored(StoredFile)
    /// A file was deleted; its blob goes when no file names it (codec v13).
    case fileDeleted(FileID, at: Timestamp)
    /// A knowledge-base document with its extracted passages (codec v14).
    case knowledgeDocumentAdded(KnowledgeDocument)
    /// A knowledge-base document was deleted (codec v14).
    case knowledgeDocumentDeleted(KnowledgeDocumentID, at: Timestamp)
    /// A site's AI settings, whole (codec v15).
    case aiSettingsSaved(AISettings)
    /// A history file became live: the messages it holds leave RAM (codec v18, issue 16).
    case historyFileAdded(HistoryFileAdded)
    /// A site's retention period was set, whole (codec v19, issue 16).
    case retentionSet(RetentionPolicy)
    /// A site's messages older than its period were deleted (codec v19).
    case messagesExpired(MessagesExpired)
    /// A visitor's personal data was erased on request: profile, messages, files (codec v19).
    case visitorErased(VisitorID, by: AgentID?, at: Timestamp)
    /// A live history file was written again without its purged messages; `new` is `nil`
    /// when nothing was left (codec v19).
    case historyFileReplaced(old: UInt64, new: UInt64?, at: Timestamp)

    /// The record type stored in the log frame.
    public var recordType: EventType {
        switch self {
        case .siteCreated: .siteCreated
        case .agentCreated: .agentCreated
        case .agentAvailabilityChanged: .agentAvailabilityChanged
        case .visitorRegistered: .visitorRegistered
        case .visitorSeen: .visitorSeen
        case .conversationOpened: .conversationOpened
        case .conversationAssigned: .conversationAssigned
        case .conversationClosed: .conversationClosed
        case .messageAppended: .messageAppended
        case .readCursorMoved: .readCursorMoved
        case .refreshTokenIssued: .refreshTokenIssued
        case .refreshTokenSpent: .refreshTokenSpent
        case .refreshFamilyRevoked: .refreshFamilyRevoked
        case .visitorSessionIssued: .visitorSessionIssued
        case .notificationsRead: .notificationsRead
        case .idempotentReplyRecorded: .idempotentReplyRecorded
        case .widgetChannelConfigured: .widgetChannelConfigured
        case .inviteCreated: .inviteCreated
        case .inviteAccepted: .inviteAccepted
        case .agentRoleChanged: .agentRoleChanged
        case .twoFactorSecretIssued: .twoFactorSecretIssued
        case .twoFactorEnabled: .twoFactorEnabled
        case .twoFactorDisabled: .twoFactorDisabled
        case .twoFactorCodeUsed: .twoFactorCodeUsed
        case .sitePlanChanged: .sitePlanChanged
        case .conversationRated: .conversationRated
        case .customerIdentified: .customerIdentified
        case .groupChatUpdated: .groupChatUpdated
        case .conversationArchived: .conversationArchived
        case .webhookSaved: .webhookSaved
        case .webhookDeleted: .webhookDeleted
        case .webhookAttempted: .webhookAttempted
        case .webhookDeliveryRequested: .webhookDeliveryRequested
        case .fileStored: .fileStored
        case .fileDeleted: .fileDeleted
        case .knowledgeDocumentAdded: .knowledgeDocumentAdded
        case .knowledgeDocumentDeleted: .knowledgeDocumentDeleted
        case .aiSettingsSaved: .aiSettingsSaved
        case .historyFileAdded: .historyFileAdded
        case .retentionSet: .retentionSet
        case .messagesExpired: .messagesExpired
        case .visitorErased: .visitorErased
        case .historyFileReplaced: .historyFileReplaced
        }
    }
}

/// The stable numbers of the log's record types. Never renumber; only add.
public enum EventType: UInt8, Sendable, CaseIterable {
    case siteCreated = 1
    case agentCreated = 2
    case agentAvailabilityChanged = 3
    case visitorRegistered = 4
    case visitorSeen = 5
    case conversationOpened = 6
    case conversationAssigned = 7
    case conversationClosed = 8
    case messageAppended = 9
    case readCursorMoved = 10
    case refreshTokenIssued = 11
    case refreshTokenSpent = 12
    case refreshFamilyRevoked = 13
    case visitorSessionIssued = 14
    case notificationsRead = 15
    case idempotentReplyRecorded = 16
    case widgetChannelConfigured = 17
    case inviteCreated = 18
    case inviteAccepted = 19
    case agentRoleChanged = 20
    case twoFactorSecretIssued = 21
    case twoFactorEnabled = 22
    case twoFactorDisabled = 23
    case twoFactorCodeUsed = 24
    case sitePlanChanged = 25
    case conversationRated = 26
    case customerIdentified = 27
    case groupChatUpdated = 28
    case conversationArchived = 29
    case webhookSaved = 30
    case webhookDeleted = 31
    case webhookAttempted = 32
    case webhookDeliveryRequested = 33
    case fileStored = 34
    case fileDeleted = 35
    case knowledgeDocumentAdded = 36
    case knowledgeDocumentDeleted = 37
    case aiSettingsSaved = 38
    // 39 is the claimed effect (EventCodec+Claims.swift), a record around an event.
    case historyFileAdded = 40
    case retentionSet = 41
    case messagesExpired = 42
    case visitorErased = 43
    case historyFileReplaced = 44

    /// A readable name, used by `parley wal inspect`.
    public var name: String {
        switch self {
        case .siteCreated: "site_created"
        case .agentCreated: "agent_created"
        case .agentAvailabilityChanged: "agent_availability_changed"
        case .visitorRegistered: "visitor_registered"
        case .visitorSeen: "visitor_seen"
        case .conversationOpened: "conversation_opened"
        case .conversationAssigned: "conversation_assigned"
        case .conversationClosed: "conversation_closed"
        case .messageAppended: "message_appended"
        case .readCursorMoved: "read_cursor_moved"
        case .refreshTokenIssued: "refresh_token_issued"
        case .refreshTokenSpent: "refresh_token_spent"
        case .refreshFamilyRevoked: "refresh_family_revoked"
        case .visitorSessionIssued: "visitor_session_issued"
        case .notificationsRead: "notifications_read"
        case .idempotentReplyRecorded: "idempotent_reply_recorded"
        case .widgetChannelConfigured: "widget_channel_configured"
        case .inviteCreated: "invite_created"
        case .inviteAccepted: "invite_accepted"
        case .agentRoleChanged: "agent_role_changed"
        case .twoFactorSecretIssued: "two_factor_secret_issued"
        case .twoFactorEnabled: "two_factor_enabled"
        case .twoFactorDisabled: "two_factor_disabled"
        case .twoFactorCodeUsed: "two_factor_code_used"
        case .sitePlanChanged: "site_plan_changed"
        case .conversationRated: "conversation_rated"
        case .customerIdentified: "customer_identified"
        case .groupChatUpdated: "group_chat_updated"
        case .conversationArchived: "conversation_archived"
        case .webhookSaved: "webhook_saved"
        case .webhookDeleted: "webhook_deleted"
        case .webhookAttempted: "webhook_attempted"
        case .webhookDeliveryRequested: "webhook_delivery_requested"
        case .fileStored: "file_stored"
        case .fileDeleted: "file_deleted"
        case .knowledgeDocumentAdded: "knowledge_document_added"
        case .knowledgeDocumentDeleted: "knowledge_document_deleted"
        case .aiSettingsSaved: "ai_settings_saved"
        case .historyFileAdded: "history_file_added"
        case .retentionSet: "retention_set"
        case .messagesExpired: "messages_expired"
        case .visitorErased: "visitor_erased"
        case .historyFileReplaced: "history_file_replaced"
        }
    }
}

extension Event {
    /// When the change happened (used by point-in-time restore).
    public var timestamp: Timestamp {
        switch self {
        case .siteCreated(let site): site.createdAt
        case .agentCreated(let agent): agent.createdAt
        case .agentAvailabilityChanged(_, _, let at): at
        case .visitorRegistered(let visitor): visitor.lastSeenAt
        case .visitorSeen(_, _, _, _, let at): at
        case .conversationOpened(let conversation): conversation.createdAt
        case .conversationAssigned(_, _, let at): at
        case .conversationClosed(_, let at): at
        case .messageAppended(let message): message.createdAt
        case .readCursorMoved(_, _, _, let at): at
        case .refreshTokenIssued(let token): token.issuedAt
        case .refreshTokenSpent(_, let at): at
        case .refreshFamilyRevoked(_, let at): at
        case .visitorSessionIssued(_, _, let at): at
        case .notificationsRead(_, _, let at): at
        case .idempotentReplyRecorded(let reply): reply.recordedAt
        case .widgetChannelConfigured(_, _, _, _, let at): at
        case .inviteCreated(let invite): invite.createdAt
        case .inviteAccepted(_, let agent): agent.createdAt
        case .agentRoleChanged(_, _, let at): at
        case .twoFactorSecretIssued(_, _, _, let at), .twoFactorEnabled(_, _, let at), .twoFactorDisabled(_, let at),
            .twoFactorCodeUsed(_, _, _, let at):
            at
        case .sitePlanChanged(_, _, _, let at), .conversationRated(_, _, _, let at): at
        case .customerIdentified(_, _, _, _, _, let at): at
        case .groupChatUpdated(_, _, _, let at), .conversationArchived(_, _, let at): at
        case .webhookSaved(let webhook): webhook.updatedAt
        case .webhookDeleted(_, let at), .webhookDeliveryRequested(_, _, let at): at
        case .webhookAttempted(let attempt): attempt.at
        case .fileStored(let file): file.createdAt
        case .fileDeleted(_, let at), .knowledgeDocumentDeleted(_, let at): at
        case .knowledgeDocumentAdded(let document): document.createdAt
        case .aiSettingsSaved(let settings): settings.updatedAt
        case .historyFileAdded(let added): added.at
        case .retentionSet(let policy): policy.setAt
        case .messagesExpired(let expired): expired.at
        case .visitorErased(_, _, let at), .historyFileReplaced(_, _, let at): at
        }
    }
}

extension Event {
    /// A record that deletes personal data for good (retention or erasure): the store writes it
    /// as the first record of a new log segment.
    public var isPurge: Bool {
        switch self {
        case .messagesExpired, .visitorErased: true
        default: false
        }
    }
}
