/// Retention and erasure (issue 16, codec v19): what applying `messages_expired` and
/// `visitor_erased` removes from the state. How the bytes then leave the disk is the store's
/// maintenance run (snapshots/FORMAT.md, "Retention and erasure").
extension ParleyState {
    /// Raises each named conversation's purged prefix; checked whole before anything changes.
    mutating func applyExpiry(_ expired: MessagesExpired, lsn: UInt64) throws(StateError) -> Bool {
        guard sites[expired.siteID] != nil else { throw .unknown("site", expired.siteID.rawValue, lsn: lsn) }
        for purge in expired.purges {
            guard let log = conversations[purge.conversation] else {
                throw .unknown("conversation", purge.conversation.rawValue, lsn: lsn)
            }
            guard purge.through <= log.lastSeq else {
                throw .coldBeyondEnd(purge.conversation, through: purge.through, lastSeq: log.lastSeq, lsn: lsn)
            }
        }
        var changed = false
        var purged: [ConversationID: UInt64] = [:]
        for purge in expired.purges {
            guard let lastLSN = conversations[purge.conversation]?.lastLSN, lastLSN < lsn else { continue }
            if self.purge(purge.conversation, through: purge.through, lsn: lsn) > 0 {
                changed = true
                purged[purge.conversation] = purge.through
            }
        }
        guard changed else { return false }
        // Deliveries kept for the webhook log hold copies of the messages that went.
        webhooks.forget { subject in
            if case .message(let message) = subject, let through = purged[message.conversationID] { message.seq <= through } else { false }
        }
        retention.purged(at: lsn)
        return true
    }

    /// Erases a visitor and every visitor merged into it: profile, sessions, user id, the
    /// messages of their conversations, their files, webhook deliveries about them, and the
    /// answers kept for their own requests with an `Idempotency-Key`.
    mutating func applyErasure(of id: VisitorID, at: Timestamp, lsn: UInt64) throws(StateError) -> Bool {
        guard let visitor = visitors[id] else { throw .unknown("visitor", id.rawValue, lsn: lsn) }
        if visitor.lastLSN >= lsn { return false }
        let merged = identities.mergedInto.filter { $0.value == id }.map(\.key)
        let erased = Set([id] + merged)
        var erasedConversations: Set<ConversationID> = []
        for person in erased.sorted() {
            guard var record = visitors[person] else { continue }
            let key = SiteScopedKey(site: record.siteID, key: record.externalID)
            if let holder = visitorsByExternalID[key], erased.contains(holder) { visitorsByExternalID[key] = nil }
            record.externalID = ""
            record.name = ""
            record.email = nil
            record.phone = nil
            record.metadataJSON = nil
            record.lastLSN = lsn
            visitors[person] = record
            visitorSessions.revokeAll(of: person)
            identities.forget(person, site: record.siteID)
            openConversationByVisitor[person] = nil
        }
        // In id order, as a pass over the site's conversations went.
        for conversation in erased.flatMap({ conversationsByVisitor[$0] ?? [] }).sorted() where conversations[conversation] != nil {
            erasedConversations.insert(conversation)
            _ = purge(conversation, through: .max, lsn: lsn)
            // The site whose open conversations lose this one, if erasing closes it.
            let closedOnSite = conversations.modify(conversation) { log -> SiteID? in
                log.conversation.subject = nil
                log.conversation.metadataJSON = nil
                guard log.conversation.closedAt == nil else { return nil }
                log.conversation.closedAt = at
                return log.conversation.siteID
            }
            if case let site?? = closedOnSite { openConversationsBySite[site]?.remove(conversation) }
            plans.dropComment(of: conversation)
        }
        let doomedFiles = files.files.values.filter { file in
            if let conversation = file.conversationID, erasedConversations.contains(conversation) { return true }
            if case .visitor(let uploader)? = file.uploadedBy { return erased.contains(uploader) }
            return false
        }
        for file in doomedFiles.sorted(by: { $0.id < $1.id }) { _ = files.remove(file.id) }
        webhooks.forget { subject in
            switch subject {
            case .conversation(let conversation): erasedConversations.contains(conversation.id)
            case .message(let message): erasedConversations.contains(message.conversationID)
            case .customer(let customer): erased.contains(customer)
            case .ping: false
            }
        }
        // The answers kept for the visitors' own requests with an `Idempotency-Key` hold what they wrote.
        let scopes = erased.map { "visitor:\($0.rawValue) " }
        idempotency.forget { scope in scopes.contains { scope.hasPrefix($0) } }
        retention.purged(at: lsn)
        return true
    }

    /// Purges one conversation through `seq` (clamped to its last); returns how many messages went.
    private mutating func purge(_ id: ConversationID, through seq: UInt64, lsn: UInt64) -> UInt64 {
        // In place: the conversation's history is never copied.
        let (removed, cold) = conversations.modify(id) { log in
            let purged = log.purge(through: seq)
            log.lastLSN = max(log.lastLSN, lsn)
            return purged
        }!
        history.purged(cold)
        messageCount -= Int(removed)
        return removed
    }
}
