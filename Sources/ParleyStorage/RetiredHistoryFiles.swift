import ParleyHistory
import Synchronization

/// History files a cluster node's follower retired (a `history_file_replaced` record applied),
/// kept on disk until a snapshot of this node's own is at or past the record: a restart from an
/// older snapshot replays the record and needs the old file to write the new one
/// (``ClusterHistoryMaterializer``). ``ClusterHousekeeping`` takes that snapshot and unlinks them.
final class RetiredHistoryFiles: Sendable {
    private let files = Mutex<[(lsn: UInt64, file: HistoryFile)]>([])

    func add(_ retired: [HistoryFile], at lsn: UInt64) {
        files.withLock { $0 += retired.map { (lsn, $0) } }
    }

    /// The LSN of the newest record that retired a file still kept.
    var newestLSN: UInt64? { files.withLock { $0.map(\.lsn).max() } }

    /// Takes the files retired by records at or before `lsn`.
    func take(through lsn: UInt64) -> [HistoryFile] {
        files.withLock { files in
            let due = files.filter { $0.lsn <= lsn }.map(\.file)
            files.removeAll { $0.lsn <= lsn }
            return due
        }
    }
}
