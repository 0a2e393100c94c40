import ParleyHistory
public import ParleyModel
import ParleySnapshot
import Synchronization

/// What one maintenance run did (``EventStore/maintain(now:releaseBlob:)``).
public struct MaintenanceReport: Sendable, Equatable {
    /// Messages deleted by sites' retention periods.
    public var expiredMessages: UInt64 = 0
    /// Files deleted by sites' retention periods.
    public var deletedFiles: Int = 0
    /// The history file compaction wrote, if it wrote one.
    public var compacted: HistoryFileAdded?
    /// History files written again without purged messages: (old number, new number or none).
    public var replacedFiles: [Replacement] = []
    /// The snapshot taken so that no snapshot or log segment older than the newest purge is left.
    public var scrubSnapshotLSN: UInt64?

    public struct Replacement: Sendable, Equatable {
        public var old: UInt64
        public var new: UInt64?
    }

    /// Whether the run changed anything.
    public var isEmpty: Bool {
        expiredMessages == 0 && deletedFiles == 0 && compacted == nil && replacedFiles.isEmpty && scrubSnapshotLSN == nil
    }
}

extension EventStore {
    /// One maintenance run (issue 16; snapshots/FORMAT.md, "Retention and erasure"): expires
    /// what sites' retention periods say, compacts, writes history files that hold purged
    /// messages again without them, and — when a purge is newer than the oldest snapshot —
    /// takes a snapshot so that every older snapshot and log segment is deleted. After it, no
    /// byte of a purged message, erased visitor or deleted file is left in the data directory.
    /// `releaseBlob` is given the SHA-256 of every blob no file names any more (unlink it).
    /// Returns `nil` when another run (or a compaction) is under way. On a cluster node the run
    /// is ``maintainClusterNode(now:releaseBlob:)``'s.
    public func maintain(now: Timestamp, releaseBlob: (String) -> Void = { _ in }) async throws -> MaintenanceReport? {
        guard compactionInProgress.claim() else { return nil }
        defer { compactionInProgress.withLock { $0 = false } }
        if isClustered { return try await maintainClusterNode(now: now, releaseBlob: releaseBlob) }
        var report = MaintenanceReport()
        try await expireAndCompact(now: now, into: &report, releaseBlob: releaseBlob)
        report.scrubSnapshotLSN = try await scrubSnapshotsAndLog()
        return report
    }

    /// A run's steps before the scrub: expiry, compaction, and history files holding purged
    /// messages written again. On a cluster node the follower retires a replaced file when it
    /// applies the record (so nothing is left to unlink here; housekeeping does it later).
    func expireAndCompact(now: Timestamp, into report: inout MaintenanceReport, releaseBlob: (String) -> Void) async throws {
        try await expire(now: now, into: &report, releaseBlob: releaseBlob)
        report.compacted = try await compactClaimed(now: now)
        var retired: [HistoryFile] = []
        // Unlinked even when a later step fails (they are no longer live); the reads that found
        // a retired file before it was retired have long finished by then (the run wrote at
        // least one record since and waited for it). A crash first leaves orphans the next
        // start removes.
        defer { for file in retired { try? history.delete(file) } }
        try await rewritePurgedHistory(now: now, into: &report, retiring: &retired)
    }

    /// Appends `messages_expired` (and `file_deleted` for the files) for every site with a
    /// retention period, and waits until they are durable.
    private func expire(now: Timestamp, into report: inout MaintenanceReport, releaseBlob: (String) -> Void) async throws {
        let plans = try await OffloadedWork.run(name: "retention", priority: .idle) { [self] in try planExpiry(now: now) }
        var last: UInt64?
        var blobs: [String] = []
        for plan in plans {
            // At most 100,000 conversations per record (a record is at most 64 MiB).
            for start in stride(from: 0, to: plan.purges.count, by: 100_000) {
                var part = plan
                part.purges = Array(plan.purges[start..<min(start + 100_000, plan.purges.count)])
                last = try append(.messagesExpired(part.expired))
            }
            for file in plan.files {
                last = try append(.fileDeleted(file.id, at: now))
                blobs.append(file.sha256)
            }
            report.expiredMessages += plan.count
            report.deletedFiles += plan.files.count
        }
        guard let last else { return }
        try await waitUntilDurable(last)
        let unnamed = read { state in blobs.filter { state.files.blobNames[$0] == nil } }
        for blob in Set(unnamed).sorted() { releaseBlob(blob) }
    }

    private struct ExpiryPlan {
        var expired: MessagesExpired
        var files: [StoredFile]
        var count: UInt64

        var purges: [HistoryFileAdded.ColdMove] {
            get { expired.purges }
            set { expired.purges = newValue }
        }
    }

    /// Per site with a period, the newest `seq` of each conversation written before the cutoff
    /// (messages are in `seq` order by time: a binary search, in the cold part block by block).
    private func planExpiry(now: Timestamp) throws -> [ExpiryPlan] {
        let copy: ParleyState = read { (state: borrowing ParleyState) in copy state }
        var plans: [ExpiryPlan] = []
        for policy in copy.retention.limited {
            guard let cutoff = policy.cutoff(now: now) else { continue }
            var purges: [HistoryFileAdded.ColdMove] = []
            var count: UInt64 = 0
            let ids = (Array(copy.conversationsBySite[policy.siteID] ?? []) + (copy.groupChatsBySite[policy.siteID] ?? [])).sorted()
            for id in ids {
                guard let log = copy.conversations[id], log.lastSeq > log.purgedThrough, log.conversation.createdAt < cutoff,
                    try oldestReadable(log) < cutoff
                else { continue }
                let through: UInt64 =
                    if let newest = log.lastMessage, newest.createdAt < cutoff {
                        log.lastSeq
                    } else {
                        try log.firstSeq(cold: history) { $0.createdAt >= cutoff } - 1
                    }
                guard through > log.purgedThrough else { continue }
                purges.append(HistoryFileAdded.ColdMove(conversation: id, through: through))
                count += through - log.purgedThrough
            }
            let files = copy.files.files.values.filter { $0.siteID == policy.siteID && $0.conversationID != nil && $0.createdAt < cutoff }
            guard !purges.isEmpty || !files.isEmpty else { continue }
            plans.append(
                ExpiryPlan(
                    expired: MessagesExpired(siteID: policy.siteID, cutoff: cutoff, purges: purges, at: now),
                    files: files.sorted { $0.id < $1.id }, count: count))
        }
        return plans
    }

    /// When the oldest message that can still be read was written: the first hot one, or the
    /// first cold one, remembered per conversation until its purged prefix moves (so a run over
    /// a site's conversations reads a history block only where something changed).
    private func oldestReadable(_ log: ConversationLog) throws -> Timestamp {
        guard log.coldThrough > log.purgedThrough else { return log.hotMessages.first?.createdAt ?? Timestamp(milliseconds: .max) }
        let id = log.conversation.id
        if let known = oldestCold.withLock({ $0[id] }), known.purgedThrough == log.purgedThrough { return known.createdAt }
        let createdAt = try log.message(seq: log.firstReadableSeq, cold: history)?.createdAt ?? Timestamp(milliseconds: .max)
        oldestCold.withLock { $0[id] = OldestCold(purgedThrough: log.purgedThrough, createdAt: createdAt) }
        return createdAt
    }

    /// Writes every live history file that holds a purged message (or a conversation the state
    /// no longer has) again without it, one `history_file_replaced` record each; adds the
    /// retired files to `retired`, to unlink once no read can still be using them.
    private func rewritePurgedHistory(
        now: Timestamp, into report: inout MaintenanceReport, retiring retired: inout [HistoryFile]
    ) async throws {
        for number in history.liveNumbers.sorted() {
            guard let file = history.file(number) else { continue }
            let keeping = read { state in ClusterHistoryMaterializer.keeping(file, in: state) }
            let before = file.conversations.reduce(UInt64(0)) { $0 + UInt64($1.1.count) }
            let after = keeping.values.reduce(UInt64(0)) { $0 + UInt64($1.count) }
            guard after < before else { continue }
            let replacement = try await OffloadedWork.run(name: "history-rewrite", priority: .idle) { [self] in
                try history.rewrite(file, as: history.nextNumber, keeping: { keeping[$0] })
            }
            if let replacement { history.adopt(replacement) }
            let lsn: UInt64
            do {
                lsn = try append(.historyFileReplaced(old: number, new: replacement?.number, at: now))
            } catch {
                if let replacement { history.abandon(replacement) }
                throw error
            }
            try await waitUntilDurable(lsn)
            if let old = history.retire(number) { retired.append(old) }
            report.replacedFiles.append(.init(old: number, new: replacement?.number))
        }
    }

    /// Takes a snapshot when one older than the newest purge is still kept (or none at or after
    /// it exists): ``takeSnapshot()`` then deletes the older snapshots and the log below.
    func scrubSnapshotsAndLog() async throws -> UInt64? {
        let purge = read { $0.retention.lastPurgeLSN }
        guard purge > 0 else { return nil }
        let snapshots = try listSnapshots()
        guard snapshots.contains(where: { $0.lsn < purge }) || !snapshots.contains(where: { $0.lsn >= purge }) else { return nil }
        let info = try await OffloadedWork.run(name: "scrub-snapshot", priority: .background) { [self] in try takeSnapshot() }
        return info?.lsn
    }
}
