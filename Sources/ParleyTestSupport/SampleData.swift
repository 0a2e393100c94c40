public import ParleyModel

/// Deterministic sample entities and events, one of every kind, for codec and storage tests.
public enum SampleData {
    public static let t0 = Timestamp(milliseconds: 1_705_761_000_000)

    public static let site = Site(
        id: SiteID(1), name: "My E-commerce Store", domain: "https://mystore.com", publicKey: "pk_test_1",
        secretKey: "sk_test_1", createdAt: t0)
    public static let agent = Agent(
        id: AgentID(1), siteID: site.id, username: "alice", email: "alice@company.com", displayName: "Alice Smith",
        role: .owner, passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA", createdAt: t0)
    public static let visitor = Visitor(
        id: VisitorID(1), siteID: site.id, externalID: "v_uuid_12345", name: "John Doe", email: "john@example.com",
        metadataJSON: #"{"page_url":"https://mystore.com/products"}"#, firstSeenAt: t0, lastSeenAt: t0)
    public static let conversation = Conversation(
        id: ConversationID(1), siteID: site.id, visitorID: visitor.id, subject: "Order #1234", createdAt: t0)

    public static func message(seq: UInt64, id: UInt64? = nil, text: String = "Hello, I need help 👋") -> Message {
        Message(
            id: MessageID(id ?? seq), conversationID: conversation.id, seq: seq,
            sender: seq % 2 == 1 ? .visitor(visitor.id) : .agent(agent.id), content: text,
            clientMessageID: "client-\(seq)", createdAt: Timestamp(milliseconds: t0.milliseconds + Int64(seq) * 1000))
    }

    /// One event of every type, in an order that applies cleanly to an empty state.
    public static var everyEvent: [Event] {
        version1Events + version2Events + version3Events + version4Events + version5Events + version6Events
            + version7Events + version8Events + version9Events + version10Events + version11Events + version12Events
            + version13Events + version14Events + version15Events + version16Events
    }

    /// Visitor sessions with their issue times (codec version 16 keeps them in snapshots).
    public static var version16Events: [Event] {
        [
            .visitorSessionIssued(visitor.id, tokenHash: "5e55-v16-a", at: t0),
            .visitorSessionIssued(visitor.id, tokenHash: "5e55-v16-b", at: Timestamp(milliseconds: t0.milliseconds + 1000)),
        ]
    }

    /// AI settings (codec version 15): a site's settings saved twice (the second wins).
    public static var version15Events: [Event] {
        [
            .aiSettingsSaved(AISettings(siteID: site.id, updatedAt: t0)),
            .aiSettingsSaved(
                AISettings(
                    siteID: site.id, provider: .anthropic, model: "claude-sonnet-4", temperature: 0.3,
                    systemPrompt: "Ты помощник службы поддержки.", autoRespond: true, confidenceThreshold: 0.75,
                    apiKeys: [.anthropic: "sk-ant-test", .openai: "sk-test"], botAgentID: agent.id, updatedAt: t0)),
        ]
    }

    /// Knowledge documents (codec version 14): two documents, one deleted.
    public static var version14Events: [Event] {
        [
            .knowledgeDocumentAdded(
                KnowledgeDocument(
                    id: KnowledgeDocumentID(1), siteID: site.id, title: "Политика возврата", category: "returns", fileName: "returns.md",
                    format: "markdown", size: 120,
                    passages: ["Как вернуть товар? Возврат товаров возможен в течение 14 дней.", "Refunds reach the card in 5 days."],
                    uploadedBy: agent.id, createdAt: t0)),
            .knowledgeDocumentAdded(
                KnowledgeDocument(
                    id: KnowledgeDocumentID(2), siteID: site.id, title: "Old FAQ", category: "general", fileName: "faq.txt", format: "text",
                    size: 9, passages: ["Old text."], uploadedBy: nil, createdAt: t0)),
            .knowledgeDocumentDeleted(KnowledgeDocumentID(2), at: t0),
        ]
    }

    /// Files (codec version 13): two uploads of the same bytes (one blob), one deleted.
    public static var version13Events: [Event] {
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        return [
            .fileStored(
                StoredFile(
                    id: FileID(1), siteID: site.id, originalName: "receipt.pdf", contentType: "application/pdf", size: 4,
                    sha256: hash, uploadedBy: .visitor(visitor.id), conversationID: ConversationID(2), createdAt: t0)),
            .fileStored(
                StoredFile(
                    id: FileID(2), siteID: site.id, originalName: "copy.pdf", contentType: "application/pdf", size: 4, sha256: hash,
                    uploadedBy: .agent(agent.id), conversationID: nil, createdAt: t0)),
            .fileDeleted(FileID(2), at: t0),
        ]
    }

    /// Webhooks and their outbox (codec version 12): a webhook; a customer's message that goes
    /// into its outbox; an attempt that fails and one that delivers; a ping and a redelivery;
    /// a second webhook made and deleted.
    public static var version12Events: [Event] {
        let webhook = Webhook(
            id: WebhookID(1), siteID: site.id, url: "https://hooks.mystore.com/parley",
            events: [.messageReceived, .conversationClosed, .customerIdentified], secret: "whsec_sample", createdAt: t0)
        let later = Timestamp(milliseconds: t0.milliseconds + 1000)
        return [
            .webhookSaved(webhook),
            .messageAppended(
                Message(
                    id: MessageID(11), conversationID: ConversationID(2), seq: 2, sender: .visitor(visitor.id), content: "Still there?",
                    createdAt: t0)),
            .webhookAttempted(
                WebhookAttempt(
                    deliveryID: 1, at: t0, statusCode: 503, error: "HTTP 503", latencyMs: 42, outcome: .retry(at: later))),
            .webhookAttempted(WebhookAttempt(deliveryID: 1, at: later, statusCode: 200, error: nil, latencyMs: 7, outcome: .delivered)),
            .webhookDeliveryRequested(webhook.id, redeliver: nil, at: later),
            .webhookDeliveryRequested(webhook.id, redeliver: 1, at: later),
            .webhookAttempted(
                WebhookAttempt(deliveryID: 2, at: later, statusCode: nil, error: "timed out", latencyMs: 10_000, outcome: .failed)),
            .webhookSaved(
                Webhook(id: WebhookID(2), siteID: site.id, url: "http://10.0.0.1/hook", events: [.ping], secret: "s", isActive: false,
                    createdAt: later)),
            .webhookDeleted(WebhookID(2), at: later),
        ]
    }

    /// A group chat of the site's agents (codec version 11): opened, written in, renamed and
    /// made public, archived; and a support conversation archived and brought back.
    public static var version11Events: [Event] {
        let chat = Conversation(
            id: ConversationID(3), siteID: site.id,
            party: .group(GroupChat(name: "Night shift", ownerID: agent.id, memberIDs: [agent.id], isChannel: true)),
            createdAt: t0)
        return [
            .conversationOpened(chat),
            .messageAppended(
                Message(
                    id: MessageID(10), conversationID: chat.id, seq: 1, sender: .agent(agent.id), content: "Who takes the queue?",
                    createdAt: t0)),
            .groupChatUpdated(chat.id, name: "Night shift (EU)", isPublic: true, at: t0),
            .conversationArchived(chat.id, archived: true, at: t0),
            .conversationArchived(conversation.id, archived: true, at: t0),
            .conversationArchived(conversation.id, archived: false, at: t0),
        ]
    }

    /// The record type added by codec version 10 (customer identified), with a merge: a second
    /// visitor (a new browser session) identified as the same user.
    public static var version10Events: [Event] {
        let second = Visitor(
            id: VisitorID(2), siteID: site.id, externalID: "browser-session-2", name: "", firstSeenAt: t0, lastSeenAt: t0)
        return [
            .customerIdentified(visitor.id, userID: "user-42", name: "John Doe", email: "john@example.com", metadataJSON: nil, at: t0),
            .visitorRegistered(second),
            .customerIdentified(second.id, userID: "user-42", name: nil, email: nil, metadataJSON: #"{"plan":"pro"}"#, at: t0),
        ]
    }

    /// The record types added by codec version 9 (plans, ratings).
    public static var version9Events: [Event] {
        [
            .sitePlanChanged(site.id, .pro, by: agent.id, at: t0),
            .conversationRated(conversation.id, score: 4, comment: "Quick and kind", at: t0),
        ]
    }

    /// The record types added by codec version 8 (two-factor login).
    public static var version8Events: [Event] {
        [
            .twoFactorSecretIssued(
                agent.id, secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
                backupCodeHashes: [String(repeating: "34", count: 32), String(repeating: "56", count: 32)], at: t0),
            .twoFactorEnabled(agent.id, step: 56_825_366, at: t0),
            .twoFactorCodeUsed(agent.id, step: 56_825_367, backupCodeHash: nil, at: t0),
            .twoFactorCodeUsed(agent.id, step: nil, backupCodeHash: String(repeating: "34", count: 32), at: t0),
            .twoFactorSecretIssued(AgentID(2), secret: "JBSWY3DPEHPK3PXP", backupCodeHashes: [], at: t0),
            .twoFactorDisabled(AgentID(2), at: t0),
        ]
    }

    /// The record types added by codec version 7 (team invites, role changes; departments).
    public static var version7Events: [Event] {
        let invite = Invite(
            tokenHash: String(repeating: "12", count: 32), siteID: site.id, email: "bob@company.com", name: "Bob",
            role: .agent, departments: ["billing", "returns"], invitedBy: agent.id, createdAt: t0,
            expiresAt: Timestamp(milliseconds: t0.milliseconds + Invite.lifetime))
        let bob = Agent(
            id: AgentID(2), siteID: site.id, username: "bob@company.com", email: "bob@company.com", displayName: "Bob",
            role: .agent, passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA", createdAt: t0, departments: ["billing", "returns"])
        return [
            .inviteCreated(invite),
            .inviteAccepted(tokenHash: invite.tokenHash, agent: bob),
            .agentRoleChanged(bob.id, .admin, at: t0),
        ]
    }

    /// The record type added by codec version 6 (widget channel configured).
    public static var version6Events: [Event] {
        [
            .widgetChannelConfigured(
                site.id, name: "Store chat",
                widget: WidgetConfig(primaryColor: "#112233", welcomeMessage: "Hello!", offlineMessage: "Back soon"),
                allowedOrigins: ["https://mystore.com", "https://shop.mystore.com:8443"], at: t0)
        ]
    }

    /// What codec version 5 added: `metadata` on a conversation and on a message.
    public static var version5Events: [Event] {
        let conversation = Conversation(
            id: ConversationID(2), siteID: site.id, visitorID: visitor.id, createdAt: t0,
            metadataJSON: #"{"source":"pricing page","priority":2}"#)
        return [
            .conversationOpened(conversation),
            .messageAppended(
                Message(
                    id: MessageID(3), conversationID: conversation.id, seq: 1, sender: .agent(agent.id), content: "Hi",
                    clientMessageID: "client-v5", createdAt: t0, metadataJSON: #"{"macro":"greeting"}"#)),
        ]
    }

    /// The record types added by codec version 4 (idempotent replies).
    public static var version4Events: [Event] {
        [
            .idempotentReplyRecorded(
                IdempotentReply(
                    scope: "agent:1 /v1/conversations key-1", requestHash: String(repeating: "ef", count: 32),
                    status: 201, contentType: "application/json; charset=utf-8",
                    body: #"{"success":true,"data":{"id":"conv_1"}}"#, recordedAt: t0))
        ]
    }

    /// The record types added by codec version 3 (notifications read).
    public static var version3Events: [Event] {
        [.notificationsRead(agent.id, ids: [], at: t0)]
    }

    /// The record types added by codec version 2 (tokens and sessions).
    public static var version2Events: [Event] {
        [
            .refreshTokenIssued(
                RefreshToken(
                    tokenHash: String(repeating: "ab", count: 32), family: 1, agentID: agent.id, issuedAt: t0,
                    expiresAt: Timestamp(milliseconds: t0.milliseconds + 86_400_000))),
            .refreshTokenSpent(tokenHash: String(repeating: "ab", count: 32), at: t0),
            .refreshFamilyRevoked(family: 1, at: t0),
            .visitorSessionIssued(visitor.id, tokenHash: String(repeating: "cd", count: 32), at: t0),
        ]
    }

    /// The events of codec version 1, as the version-1 golden files hold them.
    public static var version1Events: [Event] {
        [
            .siteCreated(site),
            .agentCreated(agent),
            .agentAvailabilityChanged(agent.id, .away, at: t0),
            .visitorRegistered(visitor),
            .visitorSeen(visitor.id, name: "John D.", email: nil, metadataJSON: #"{"page":"/cart"}"#, at: t0),
            .conversationOpened(conversation),
            .conversationAssigned(conversation.id, agent.id, at: t0),
            .messageAppended(message(seq: 1)),
            .messageAppended(
                Message(
                    id: MessageID(2), conversationID: conversation.id, seq: 2, sender: .system, content: "",
                    contentType: .file, fileID: 9, createdAt: t0)),
            .readCursorMoved(conversation.id, .agent(agent.id), seq: 2, at: t0),
            .conversationClosed(conversation.id, at: t0),
        ]
    }
}
