import ParleyHistory
import ParleyModel

/// How a cluster node gets the history file a `history_file_added` or `history_file_replaced`
/// record names when another node wrote it (docs/SCALING.md, "History files across nodes"): it
/// writes its own from its state just before applying the record. Messages never change once
/// logged, and every node holds the same state at each LSN, so the file holds the same messages
/// (it may hold fewer than the writer's, when a purge came between the writer's plan and its
/// record: those are messages no state can read any more).
enum ClusterHistoryMaterializer {
    /// Whether `event` names a history file this node does not have yet.
    static func needsFile(_ event: Event, history: HistoryStore) -> Bool {
        switch event {
        case .historyFileAdded(let added): history.file(added.number) == nil
        case .historyFileReplaced(_, let new?, _): history.file(new) == nil
        default: false
        }
    }

    /// Writes and adopts the file `event` names, from `state` (the state just before the record).
    /// Returns the file (to abandon if the state refuses the record).
    static func materialize(_ event: Event, from state: borrowing ParleyState, into history: HistoryStore) throws -> HistoryFile? {
        let file: HistoryFile?
        switch event {
        case .historyFileAdded(let added):
            var messages: [Message] = []
            for move in added.moves {
                guard let log = state.conversations[move.conversation], move.through > log.coldThrough else { continue }
                messages += log.hotMessages.prefix(Int(min(move.through, log.lastSeq) - log.coldThrough))
            }
            file = try history.write(number: added.number, messages: messages)
        case .historyFileReplaced(let old, let new?, _):
            guard let source = history.file(old) else {
                throw HistoryError.misuse("history file \(old) is replaced by \(new), but this node does not have it")
            }
            let keeping = Self.keeping(source, in: state)
            // Nothing kept: an empty file, so the number the state will name exists here too.
            file = try history.rewrite(source, as: new, keeping: { keeping[$0] }) ?? history.write(number: new, messages: [])
        default:
            return nil
        }
        if let file { history.adopt(file) }
        return file
    }

    /// Of each conversation in `file`, the `seq`s `state` can still read (none for a conversation
    /// it no longer has): what a rewrite of the file keeps.
    static func keeping(_ file: HistoryFile, in state: borrowing ParleyState) -> [ConversationID: ClosedRange<UInt64>] {
        var keeping: [ConversationID: ClosedRange<UInt64>] = [:]
        for (conversation, seqs) in file.conversations {
            guard let log = state.conversations[conversation], keeping[conversation] == nil else { continue }
            let from = max(seqs.lowerBound, log.firstReadableSeq)
            if from <= seqs.upperBound { keeping[conversation] = from...seqs.upperBound }
        }
        return keeping
    }
}
