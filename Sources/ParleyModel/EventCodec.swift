/// The log's record codec: an ``Event`` ⇄ (record type, payload).
///
/// A payload starts with the codec version byte, then the event's fields. A decoder refuses a
/// record type it does not know and a version newer than ``currentVersion`` with a clean error.
public enum EventCodec {
    /// The version this build writes. Version 1 is the first; version 2 added record types
    /// 11–14 (tokens and sessions) and the snapshot body's token section; version 3 added
    /// record type 15 (notifications read) and the snapshot body's notification section; version 4
    /// added record type 16 (idempotent replies) and the snapshot body's idempotency section;
    /// version 5 appended `metadata` to conversations and messages (records 6 and 9, and the
    /// snapshot body's conversations); version 6 added record type 17 (widget channel configured)
    /// and the snapshot body's settings section; version 7 added record types 18–20 (invites,
    /// role changes), agents' departments and the snapshot body's team section; version 8
    /// added record types 21–24 (two-factor login) and the snapshot body's two-factor section;
    /// version 9 added record types 25–26 (plans, ratings) and the snapshot body's plans section;
    /// version 10 added record type 27 (customer identified) and the identities section;
    /// version 11 added record types 28–29 (group chat updated, conversation archived) and
    /// appended the archive time and a group chat's group to conversations (record 6 and the
    /// snapshot body's conversations); version 12 added record types 30–33 (webhooks and their
    /// outbox) and the snapshot body's webhooks section; version 13 added record types 34–35
    /// (files) and the snapshot body's files section; version 14 added record types 36–37
    /// (knowledge documents) and the snapshot body's knowledge section; version 15 added record
    /// type 38 (AI settings) and the snapshot body's AI section; version 16 added each visitor
    /// session's issue time to the snapshot body's token section (no new record type); version
    /// 17 added record type 39 (an event with the `Idempotency-Key` claim of the request that
    /// caused it, `EventCodec+Claims.swift`); version 18 added record type 40 (a history file
    /// made live), each conversation's cold prefix in the snapshot body's conversations and the
    /// snapshot body's history section.
    public static let currentVersion: UInt8 = 19

    /// Room for `event`'s record: a message's texts and 96 bytes for the rest (the most common
    /// record, which grew its buffer twice from a flat 96 bytes); 96 for the others.
    static func capacity(for event: Event) -> Int {
        guard case .messageAppended(let message) = event else { return 96 }
        return 96 + message.content.utf8.count + (message.clientMessageID?.utf8.count ?? 0)
            + (message.metadataJSON?.utf8.count ?? 0)
    }

    public static func encode(_ event: Event) -> (type: UInt8, payload: [UInt8]) {
        var writer = BinaryWriter(capacity: capacity(for: event))
        writer.write(currentVersion)
        switch event {
        case .siteCreated(let site):
            writer.write(site)
        case .agentCreated(let agent):
            writer.write(agent)
        case .agentAvailabilityChanged(let id, let availability, let at):
            writer.write(id)
            writer.write(availability.rawValue)
            writer.write(at)
        case .visitorRegistered(let visitor):
            writer.write(visitor)
        case .visitorSeen(let id, let name, let email, let metadata, let at):
            writer.write(id)
            writer.write(name)
            writer.write(email)
            writer.write(metadata)
            writer.write(at)
        case .conversationOpened(let conversation):
            writer.write(conversation)
        case .conversationAssigned(let id, let agent, let at):
            writer.write(id)
            writer.write(agent)
            writer.write(at)
        case .conversationClosed(let id, let at):
            writer.write(id)
            writer.write(at)
        case .messageAppended(let message):
            writer.write(message, includingConversation: true)
        case .readCursorMoved(let id, let participant, let seq, let at):
            writer.write(id)
            writer.write(participant)
            writer.write(seq)
            writer.write(at)
        case .refreshTokenIssued(let token):
            writer.write(token)
        case .refreshTokenSpent(let hash, let at):
            writer.write(hash)
            writer.write(at)
        case .refreshFamilyRevoked(let family, let at):
            writer.write(family)
            writer.write(at)
        case .visitorSessionIssued(let visitor, let hash, let at):
            writer.write(visitor)
            writer.write(hash)
            writer.write(at)
        case .notificationsRead(let agent, let ids, let at):
            writer.write(agent)
            writer.write(UInt64(ids.count))
            for id in ids { writer.write(id) }
            writer.write(at)
        case .idempotentReplyRecorded(let reply):
            writer.write(reply)
        case .widgetChannelConfigured(let site, let name, let widget, let origins, let at):
            writer.write(site)
            writer.write(name)
            writer.write(widget.primaryColor)
            writer.write(widget.welcomeMessage)
            writer.write(widget.offlineMessage)
            writer.write(UInt64(origins.count))
            for origin in origins { writer.write(origin) }
            writer.write(at)
        case .inviteCreated(let invite):
            writer.write(invite)
        case .inviteAccepted(let hash, let agent):
            writer.write(hash)
            writer.write(agent)
        case .agentRoleChanged(let agent, let role, let at):
            writer.write(agent)
            writer.write(role.rawValue)
            writer.write(at)
        case .twoFactorSecretIssued(let agent, let secret, let hashes, let at):
            writer.write(agent)
            writer.write(secret)
            writer.write(UInt64(hashes.count))
            for hash in hashes { writer.write(hash) }
            writer.write(at)
        case .twoFactorEnabled(let agent, let step, let at):
            writer.write(agent)
            writer.write(step)
            writer.write(at)
        case .twoFactorDisabled(let agent, let at):
            writer.write(agent)
            writer.write(at)
        case .twoFactorCodeUsed(let agent, let step, let backup, let at):
            writer.write(agent)
            writer.write(step)
            writer.write(backup)
            writer.write(at)
        case .sitePlanChanged(let site, let plan, let by, let at):
            writer.write(site)
            writer.write(plan.rawValue)
            writer.write(by)
            writer.write(at)
        case .conversationRated(let conversation, let score, let comment, let at):
            writer.write(conversation)
            writer.write(score)
            writer.write(comment)
            writer.write(at)
        case .customerIdentified(let visitor, let userID, let name, let email, let metadata, let at):
            writer.write(visitor)
            writer.write(userID)
            writer.write(name)
            writer.write(email)
            writer.write(metadata)
            writer.write(at)
        case .groupChatUpdated(let conversation, let name, let isPublic, let at):
            writer.write(conversation)
            writer.write(name)
            writer.write(isPublic)
            writer.write(at)
        case .conversationArchived(let conversation, let archived, let at):
            writer.write(conversation)
            writer.write(archived)
            writer.write(at)
        case .webhookSaved(let webhook):
            writer.write(webhook)
        case .webhookDeleted(let webhook, let at):
            writer.write(webhook)
            writer.write(at)
        case .webhookAttempted(let attempt):
            writer.write(attempt)
        case .webhookDeliveryRequested(let webhook, let redeliver, let at):
            writer.write(webhook)
            writer.write(redeliver)
            writer.write(at)
        case .fileStored(let file):
            writer.write(file)
        case .fileDeleted(let file, let at):
            writer.write(file)
            writer.write(at)
        case .knowledgeDocumentAdded(let document):
            writer.write(document)
        case .knowledgeDocumentDeleted(let document, let at):
            writer.write(document)
            writer.write(at)
        case .aiSettingsSaved(let settings):
            writer.write(settings)
        case .historyFileAdded(let added):
            writer.write(added.number)
            writer.write(moves: added.moves)
            writer.write(added.at)
        case .retentionSet(let policy):
            writer.write(policy.siteID)
            writer.write(UInt64(policy.days))
            writer.write(policy.setBy)
            writer.write(policy.setAt)
        case .messagesExpired(let expired):
            writer.write(expired.siteID)
            writer.write(expired.cutoff)
            writer.write(moves: expired.purges)
            writer.write(expired.at)
        case .visitorErased(let visitor, let by, let at):
            writer.write(visitor)
            writer.write(by)
            writer.write(at)
        case .historyFileReplaced(let old, let new, let at):
            writer.write(old)
            writer.write(new ?? 0)
            writer.write(at)
        }
        return (event.recordType.rawValue, writer.bytes)
    }

    /// Decodes a record's event (a claimed effect's event without its claim: see
    /// ``decodeRecord(type:payload:)``).
    public static func decode(type: UInt8, payload: UnsafeRawBufferPointer) throws(CodecError) -> Event {
        if type == claimedEffectType { return try decodeRecord(type: type, payload: payload).event }
        guard let recordType = EventType(rawValue: type) else { throw .unknownRecordType(type) }
        var reader = BinaryReader(payload)
        let version = try reader.readByte()
        guard version >= 1, version <= currentVersion else {
            throw .unsupportedVersion(found: version, supported: currentVersion)
        }
        let event: Event
        switch recordType {
        case .siteCreated:
            event = .siteCreated(try reader.readSite())
        case .agentCreated:
            event = .agentCreated(try reader.readAgent(version: version))
        case .agentAvailabilityChanged:
            event = .agentAvailabilityChanged(
                try reader.readID(), try reader.readEnum(Availability.self), at: try reader.readTimestamp())
        case .visitorRegistered:
            event = .visitorRegistered(try reader.readVisitor())
        case .visitorSeen:
            event = .visitorSeen(
                try reader.readID(), name: try reader.readString(), email: try reader.readOptionalString(),
                metadataJSON: try reader.readOptionalString(), at: try reader.readTimestamp())
        case .conversationOpened:
            event = .conversationOpened(try reader.readConversation(version: version))
        case .conversationAssigned:
            event = .conversationAssigned(
                try reader.readID(), try reader.readOptional { (r) throws(CodecError) in try r.readID() },
                at: try reader.readTimestamp())
        case .conversationClosed:
            event = .conversationClosed(try reader.readID(), at: try reader.readTimestamp())
        case .messageAppended:
            event = .messageAppended(try reader.readMessage(in: nil, version: version))
        case .readCursorMoved:
            event = .readCursorMoved(
                try reader.readID(), try reader.readParticipant(), seq: try reader.readUInt64(),
                at: try reader.readTimestamp())
        case .refreshTokenIssued:
            event = .refreshTokenIssued(try reader.readRefreshToken())
        case .refreshTokenSpent:
            event = .refreshTokenSpent(tokenHash: try reader.readString(), at: try reader.readTimestamp())
        case .refreshFamilyRevoked:
            event = .refreshFamilyRevoked(family: try reader.readUInt64(), at: try reader.readTimestamp())
        case .visitorSessionIssued:
            event = .visitorSessionIssued(try reader.readID(), tokenHash: try reader.readString(), at: try reader.readTimestamp())
        case .notificationsRead:
            let agent: AgentID = try reader.readID()
            var ids: [UInt64] = []
            for _ in 0..<(try reader.readCount()) { ids.append(try reader.readUInt64()) }
            event = .notificationsRead(agent, ids: ids, at: try reader.readTimestamp())
        case .idempotentReplyRecorded:
            event = .idempotentReplyRecorded(try reader.readIdempotentReply())
        case .widgetChannelConfigured:
            let site: SiteID = try reader.readID()
            let name = try reader.readString()
            let widget = WidgetConfig(
                primaryColor: try reader.readString(), welcomeMessage: try reader.readString(),
                offlineMessage: try reader.readString())
            var origins: [String] = []
            for _ in 0..<(try reader.readCount()) { origins.append(try reader.readString()) }
            event = .widgetChannelConfigured(site, name: name, widget: widget, allowedOrigins: origins, at: try reader.readTimestamp())
        case .inviteCreated:
            event = .inviteCreated(try reader.readInvite())
        case .inviteAccepted:
            event = .inviteAccepted(tokenHash: try reader.readString(), agent: try reader.readAgent(version: version))
        case .agentRoleChanged:
            event = .agentRoleChanged(try reader.readID(), try reader.readEnum(AgentRole.self), at: try reader.readTimestamp())
        case .twoFactorSecretIssued:
            event = .twoFactorSecretIssued(
                try reader.readID(), secret: try reader.readString(), backupCodeHashes: try reader.readStrings(),
                at: try reader.readTimestamp())
        case .twoFactorEnabled:
            event = .twoFactorEnabled(try reader.readID(), step: try reader.readUInt64(), at: try reader.readTimestamp())
        case .twoFactorDisabled:
            event = .twoFactorDisabled(try reader.readID(), at: try reader.readTimestamp())
        case .twoFactorCodeUsed:
            event = .twoFactorCodeUsed(
                try reader.readID(), step: try reader.readOptional { (r) throws(CodecError) in try r.readUInt64() },
                backupCodeHash: try reader.readOptionalString(), at: try reader.readTimestamp())
        case .sitePlanChanged:
            event = .sitePlanChanged(
                try reader.readID(), try reader.readEnum(Plan.self),
                by: try reader.readOptional { (r) throws(CodecError) in try r.readID() }, at: try reader.readTimestamp())
        case .conversationRated:
            event = .conversationRated(
                try reader.readID(), score: try reader.readByte(), comment: try reader.readOptionalString(),
                at: try reader.readTimestamp())
        case .customerIdentified:
            event = .customerIdentified(
                try reader.readID(), userID: try reader.readString(), name: try reader.readOptionalString(),
                email: try reader.readOptionalString(), metadataJSON: try reader.readOptionalString(), at: try reader.readTimestamp())
        case .groupChatUpdated:
            event = .groupChatUpdated(
                try reader.readID(), name: try reader.readString(), isPublic: try reader.readBool(), at: try reader.readTimestamp())
        case .conversationArchived:
            event = .conversationArchived(try reader.readID(), archived: try reader.readBool(), at: try reader.readTimestamp())
        case .webhookSaved:
            event = .webhookSaved(try reader.readWebhook())
        case .webhookDeleted:
            event = .webhookDeleted(try reader.readID(), at: try reader.readTimestamp())
        case .webhookAttempted:
            event = .webhookAttempted(try reader.readWebhookAttempt())
        case .webhookDeliveryRequested:
            event = .webhookDeliveryRequested(
                try reader.readID(), redeliver: try reader.readOptional { (r) throws(CodecError) in try r.readUInt64() },
                at: try reader.readTimestamp())
        case .fileStored:
            event = .fileStored(try reader.readStoredFile())
        case .fileDeleted:
            event = .fileDeleted(try reader.readID(), at: try reader.readTimestamp())
        case .knowledgeDocumentAdded:
            event = .knowledgeDocumentAdded(try reader.readKnowledgeDocument())
        case .knowledgeDocumentDeleted:
            event = .knowledgeDocumentDeleted(try reader.readID(), at: try reader.readTimestamp())
        case .aiSettingsSaved:
            event = .aiSettingsSaved(try reader.readAISettings())
        case .historyFileAdded:
            let number = try reader.readUInt64()
            event = .historyFileAdded(HistoryFileAdded(number: number, moves: try reader.readMoves(), at: try reader.readTimestamp()))
        case .retentionSet:
            let site: SiteID = try reader.readID()
            let days = try reader.readUInt64()
            guard days <= UInt64(RetentionPolicy.maximumDays) else { throw .malformed("retention of \(days) days") }
            let by: AgentID? = try reader.readOptional { (r) throws(CodecError) in try r.readID() }
            event = .retentionSet(RetentionPolicy(siteID: site, days: UInt32(days), setBy: by, setAt: try reader.readTimestamp()))
        case .messagesExpired:
            let site: SiteID = try reader.readID()
            let cutoff = try reader.readTimestamp()
            let purges = try reader.readMoves()
            event = .messagesExpired(MessagesExpired(siteID: site, cutoff: cutoff, purges: purges, at: try reader.readTimestamp()))
        case .visitorErased:
            let visitor: VisitorID = try reader.readID()
            let by: AgentID? = try reader.readOptional { (r) throws(CodecError) in try r.readID() }
            event = .visitorErased(visitor, by: by, at: try reader.readTimestamp())
        case .historyFileReplaced:
            let old = try reader.readUInt64()
            let new = try reader.readUInt64()
            event = .historyFileReplaced(old: old, new: new == 0 ? nil : new, at: try reader.readTimestamp())
        }
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) trailing bytes") }
        return event
    }

    /// Decodes from an array (convenience for tests and tools).
    public static func decode(type: UInt8, payload: [UInt8]) throws(CodecError) -> Event {
        try decodeRecord(type: type, payload: payload).event
    }
}

extension BinaryWriter {
    /// A count, then (conversation, through `seq`) per entry: record types 40 and 42.
    mutating func write(moves: [HistoryFileAdded.ColdMove]) {
        write(UInt64(moves.count))
        for move in moves {
            write(move.conversation)
            write(move.through)
        }
    }
}

extension BinaryReader {
    mutating func readMoves() throws(CodecError) -> [HistoryFileAdded.ColdMove] {
        var moves: [HistoryFileAdded.ColdMove] = []
        for _ in 0..<(try readCount()) { moves.append(HistoryFileAdded.ColdMove(conversation: try readID(), through: try readUInt64())) }
        return moves
    }
}
