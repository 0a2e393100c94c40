public import ParleyModel
public import ParleyStorage

/// Retention periods and erasure on request (issue 16): what owners ask of the REST API and
/// operators of `parley admin erase-visitor`. The state drops the data when the record applies;
/// the store's maintenance run removes the bytes from disk (snapshots/FORMAT.md, "Retention and
/// erasure"), and is started here at once after an erasure.
public final class PrivacyService: Sendable {
    private let broker: Broker
    private let store: EventStore
    private let files: FileLibrary?

    public init(broker: Broker, files: FileLibrary?) {
        self.broker = broker
        store = broker.store
        self.files = files
    }

    /// What an erasure removed.
    public struct Erasure: Sendable, Equatable {
        public var visitor: VisitorID
        /// The visitor and the visitors merged into it.
        public var visitors: Int
        public var conversations: Int
        public var messages: Int
        public var files: Int
        public var at: Timestamp
        /// The LSN of the `visitor_erased` record.
        public var lsn: UInt64
    }

    /// Erases a visitor's personal data: profile, sessions, messages, files (see
    /// `ParleyState+Purge.swift` for exactly what). Erasing an erased visitor again is harmless.
    @discardableResult
    public func erase(_ visitor: VisitorID, by agent: AgentID?, runMaintenance: Bool = true) async throws -> Erasure {
        let at = Timestamp.now()
        guard let plan = store.read({ state in Self.plan(visitor, in: state, at: at) }) else {
            throw EngineError.notFound("visitor not found")
        }
        var (erasure, blobs, open) = plan
        // Open conversations are closed through their actors first, so that a live actor
        // refuses new messages from now on as it does after any close.
        for conversation in open { try? await broker.close(conversation, at: at) }
        erasure.lsn = try await store.commit(.visitorErased(visitor, by: agent, at: at))
        for blob in Set(blobs) { files?.release(blob) }
        if runMaintenance, store.configuration.compactionEverySeconds > 0 {
            // The bytes leave the disk now rather than at the next scheduled run; a run already
            // under way leaves it to the next one (at most one interval).
            let (store, files) = (self.store, self.files)
            Task.detached(priority: .background) { _ = try? await store.maintain(now: .now(), releaseBlob: { files?.release($0) }) }
        }
        return erasure
    }

    /// What erasing `visitor` will remove (for the answer), the blobs its files use, and its
    /// conversations that are still open.
    // Plain loops over copied-out ids: swiftc 6.3.1's SIL ownership verifier crashed (release
    // builds) on the same reads written as chained closures over the borrowed state.
    private static func plan(
        _ visitor: VisitorID, in state: borrowing ParleyState, at: Timestamp
    ) -> (Erasure, [String], [ConversationID])? {
        guard let site = state.visitors[visitor]?.siteID else { return nil }
        var people: Set<VisitorID> = [visitor]
        for (merged, customer) in state.identities.mergedInto where customer == visitor { people.insert(merged) }
        var conversations: Set<ConversationID> = []
        var open: [ConversationID] = []
        var messages = 0
        // In id order, as a pass over the site's conversations went.
        for id in people.flatMap({ state.conversationsByVisitor[$0] ?? [] }).sorted() {
            guard let log = state.conversations[id], log.conversation.siteID == site else { continue }
            conversations.insert(id)
            messages += log.messageCount
            if log.conversation.closedAt == nil { open.append(id) }
        }
        var blobs: [String] = []
        for file in state.files.files.values {
            var doomed = false
            if let conversation = file.conversationID, conversations.contains(conversation) { doomed = true }
            if case .visitor(let uploader)? = file.uploadedBy, people.contains(uploader) { doomed = true }
            if doomed { blobs.append(file.sha256) }
        }
        let erasure = Erasure(
            visitor: visitor, visitors: people.count, conversations: conversations.count, messages: messages, files: blobs.count,
            at: at, lsn: 0)
        return (erasure, blobs, open)
    }

    /// Sets a site's retention period (0 days: keep for ever); messages older than it are
    /// deleted by the next maintenance run.
    public func setRetention(site: SiteID, days: UInt32, by agent: AgentID?) async throws -> RetentionPolicy {
        guard days <= RetentionPolicy.maximumDays else {
            throw EngineError.validation("days must be between 0 and \(RetentionPolicy.maximumDays)")
        }
        guard store.read({ $0.sites[site] != nil }) else { throw EngineError.notFound("site not found") }
        let policy = RetentionPolicy(siteID: site, days: days, setBy: agent, setAt: .now())
        try await store.commit(.retentionSet(policy))
        return retention(of: site)
    }

    /// A site's retention period (0 days when none was set).
    public func retention(of site: SiteID) -> RetentionPolicy {
        store.read { $0.retention.policies[site] } ?? RetentionPolicy(siteID: site, days: 0, setBy: nil, setAt: Timestamp(milliseconds: 0))
    }

    /// How long after a purge its bytes may still be on disk: one maintenance interval (`nil`
    /// when maintenance is off: then only `parley history compact` removes them).
    public var diskClearedWithinSeconds: Int? {
        let every = store.configuration.compactionEverySeconds
        return every > 0 ? every : nil
    }
}
