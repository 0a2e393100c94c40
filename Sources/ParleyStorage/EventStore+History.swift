public import ParleyHistory
public import ParleyModel
import Synchronization

extension EventStore {
    /// One history compaction run (issue 16): moves what the configured ``CompactionPolicy``
    /// picks from RAM into a new history file. Returns the record that made it live, or `nil`
    /// when there was too little to move (or another run is under way).
    ///
    /// The file is written whole first (temporary name, fsync, rename, directory fsync), read
    /// side opened, *then* the record naming it is appended; the state drops the moved messages
    /// when that record is applied. A crash before the record leaves a file no record names,
    /// which the next start removes; after it, the file is live. The message path never waits
    /// for any of it: writers only see one more record in the log. Call it off the
    /// cooperative pool (``OffloadedWork``): it does file I/O and compression.
    @discardableResult
    public func compactHistory(now: Timestamp) async throws -> HistoryFileAdded? {
        // On a cluster node, only as part of the maintenance run its claim gives.
        guard !isClustered, compactionInProgress.claim() else { return nil }
        defer { compactionInProgress.withLock { $0 = false } }
        return try await compactClaimed(now: now)
    }

    /// ``compactHistory(now:)`` for a caller that holds `compactionInProgress`.
    func compactClaimed(now: Timestamp) async throws -> HistoryFileAdded? {
        let prepared = try await OffloadedWork.run(name: "compaction", priority: .idle) { [self] in
            try writeHistoryFile(now: now)
        }
        guard let (file, added, before) = prepared else { return nil }
        // The state the run was planned on holds the only other reference to the moved
        // messages: kept until the record is applied, so that applying it (under the state's
        // lock) frees nothing, then dropped on a low-priority thread (a million messages take
        // a while to free).
        defer { Task { try? await OffloadedWork.run(name: "compaction-free", priority: .idle) { before.drop() } } }
        history.adopt(file)
        let lsn: UInt64
        do {
            lsn = try append(.historyFileAdded(added))
        } catch {
            // Never queued: no record can name the file.
            history.abandon(file)
            throw error
        }
        // Once queued the record may be durable: the file stays (the next start removes it if
        // the record did not make it).
        try await waitUntilDurable(lsn)
        return added
    }

    /// A state kept alive until it is dropped on purpose (see ``compactHistory(now:)``).
    final class Retired: Sendable {
        private let state: Mutex<ParleyState?>

        init(_ state: consuming ParleyState) { self.state = Mutex(state) }

        /// Frees what only this state still references, on the calling thread.
        func drop() { state.withLock { $0 = nil } }
    }

    /// Plans a run on a copy of the state and writes its file; `nil` when there is too little to move.
    private func writeHistoryFile(now: Timestamp) throws -> (HistoryFile, HistoryFileAdded, Retired)? {
        // O(1) under the lock (copy-on-write); planning and writing work on the copy.
        let copy: ParleyState = read { (state: borrowing ParleyState) in copy state }
        let moves = configuration.compaction.plan(
            copy.conversations.values.lazy.map { log in
                CompactionPolicy.Candidate(
                    conversation: log.conversation.id, coldThrough: log.coldThrough, lastSeq: log.lastSeq,
                    closedAt: log.conversation.closedAt)
            },
            now: now)
        guard !moves.isEmpty else { return nil }
        let number = max(copy.history.nextNumber, history.nextNumber)
        // Only this run moves messages, so each move starts right after the copy's cold prefix,
        // and the copy's hot messages are the ones to write.
        let messages = moves.lazy.flatMap { move in
            let log = copy.conversations[move.conversation]!
            let start = Int(move.seqs.lowerBound - log.coldThrough - 1)
            return log.hotMessages[start..<(start + move.count)]
        }
        let file = try history.write(number: number, messages: messages)
        let added = HistoryFileAdded(
            number: number,
            moves: moves.map { HistoryFileAdded.ColdMove(conversation: $0.conversation, through: $0.seqs.upperBound) }, at: now)
        return (file, added, Retired(copy))
    }
}
