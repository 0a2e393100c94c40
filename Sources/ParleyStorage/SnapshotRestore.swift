import ParleyHistory
public import ParleyLog
public import ParleyModel
public import ParleySnapshot

/// Builds a new data directory from a snapshot, optionally replaying a log after it up to an
/// LSN or a point in time: `parley snapshot restore`.
public enum SnapshotRestore {
    /// Where replay stops (inclusive).
    public struct Target: Sendable {
        public var lsn: UInt64?
        public var time: Timestamp?

        public init(lsn: UInt64? = nil, time: Timestamp? = nil) {
            self.lsn = lsn
            self.time = time
        }
    }

    public struct Report: Sendable {
        public var snapshotLSN: UInt64
        public var restoredLSN: UInt64
        public var replayedRecords: Int
        /// Why replay stopped before the end of the log (damage), if it did.
        public var logProblem: String?
        public var snapshot: SnapshotInfo
        public var counts: EntityCounts
    }

    /// Restores `snapshotPath` into the empty or missing directory `dataDirectory`.
    ///
    /// - Parameters:
    ///   - walDirectory: the log to replay after the snapshot (`nil`: the snapshot alone).
    ///   - historyDirectory: where the history files the restored state names are copied from
    ///     (issue 16); each is copied whole and fsynced before the snapshot is written.
    ///   - progress: called every few records with the records replayed so far, and the log's
    ///     bytes read so far and in all (for a ``ProgressMeter``).
    public static func restore(
        snapshotPath: String, walDirectory: String?, historyDirectory: String? = nil, into dataDirectory: String,
        target: Target = Target(),
        fileSystem fs: any FileSystem = PosixFileSystem(), progress: (_ records: Int, _ bytes: Int, _ totalBytes: Int) -> Void = { _, _, _ in }
    ) throws -> Report {
        if fs.fileExists(dataDirectory), !(try fs.contentsOfDirectory(dataDirectory)).isEmpty {
            throw StorageError.invalidArgument("\(dataDirectory) is not empty; restore needs a new data directory")
        }
        let (header, body) = try SnapshotStore.read(path: snapshotPath, fileSystem: fs)
        var state = try SnapshotStore.decodeState(header: header, body: body)
        if let lsn = target.lsn, lsn < header.lsn {
            throw StorageError.invalidArgument("the snapshot is at LSN \(header.lsn), after the requested LSN \(lsn)")
        }
        if let time = target.time, header.createdAt > time.milliseconds {
            throw StorageError.invalidArgument("the snapshot was taken after the requested time \(time)")
        }
        var replayed = 0
        var logProblem: String?
        if let walDirectory {
            // The log must reach back to the snapshot, whatever the target (checked first: a
            // target reached early must not skip it).
            if let first = try LogReader.segmentNames(fileSystem: fs, directory: walDirectory).first?.firstLSN, first > header.lsn + 1 {
                throw StorageError.missingRecords("the log starts at LSN \(first), the snapshot ends at \(header.lsn)")
            }
            struct Reached: Error {}
            var reached = false
            var position = LogScanProgress(directory: walDirectory, from: header.lsn + 1, fileSystem: fs)
            do {
                let report = try LogReader.scan(directory: walDirectory, fileSystem: fs, from: header.lsn + 1) { record in
                    if let lsn = target.lsn, record.lsn > lsn { throw Reached() }
                    let decoded = try EventCodec.decodeRecord(type: record.type, payload: record.payload)
                    if let time = target.time, decoded.event.timestamp > time { throw Reached() }
                    do {
                        _ = try state.apply(decoded, lsn: record.lsn)
                    } catch {
                        // A restore that silently skipped a record would not be the state at the target.
                        throw StorageError.missingRecords("the record at LSN \(record.lsn) does not apply: \(error)")
                    }
                    replayed += 1
                    let bytes = position.bytesDone(through: record)
                    if replayed % 256 == 0 { progress(replayed, bytes, position.totalBytes) }
                }
                logProblem = report.problem.map { "\($0)" }
            } catch is Reached {
                reached = true
            }
            // Damage that stops the log before a target given: the state asked for cannot be made.
            if let logProblem, !reached, target.lsn != nil || target.time != nil {
                if let lsn = target.lsn, state.appliedLSN >= lsn {
                    // The target itself was the last record read: it was reached.
                } else {
                    throw StorageError.missingRecords("the log stops at LSN \(state.appliedLSN), before the target: \(logProblem)")
                }
            }
        }
        let configuration = StorageConfiguration(dataDirectory: dataDirectory, fileSystem: fs, usesLockFile: false)
        try fs.createDirectoryDurably(dataDirectory)
        // The history files first: the snapshot written next names them.
        if !state.history.liveFiles.isEmpty {
            guard let historyDirectory else {
                throw StorageError.missingRecords(
                    "the restored state keeps \(state.history.coldMessages) messages in history files; say where they are")
            }
            try copyHistory(state.history.liveFiles, from: historyDirectory, into: configuration.historyDirectory, fileSystem: fs)
        }
        let info = try SnapshotStore(directory: configuration.snapshotDirectory, fileSystem: fs).write(state)
        // A fresh log that continues right after the restored state.
        let (log, _) = try RecordLog.open(
            RecordLog.Configuration(directory: configuration.walDirectory, fileSystem: fs, initialLSN: state.appliedLSN + 1))
        log.close()
        return Report(
            snapshotLSN: header.lsn, restoredLSN: state.appliedLSN, replayedRecords: replayed, logProblem: logProblem,
            snapshot: info, counts: state.counts)
    }

    /// Copies the named history files whole (temporary name, fsync, rename, directory fsync),
    /// each checked as it is opened afterwards by the start.
    static func copyHistory(_ numbers: Set<UInt64>, from source: String, into target: String, fileSystem fs: any FileSystem) throws {
        try fs.createDirectoryDurably(target)
        for number in numbers.sorted() {
            let name = HistoryFileFormat.fileName(number: number)
            let from = joinPath(source, name)
            guard fs.fileExists(from) else {
                throw StorageError.missingRecords("the restored state names the history file \(from), which is missing")
            }
            let temporary = joinPath(target, name + ".tmp")
            let file = try fs.openForAppending(temporary)
            var offset = 0
            while true {
                let (bytes, size) = try fs.read(from, offset: offset, count: 1 << 20)
                if !bytes.isEmpty { try file.append(bytes) }
                offset += bytes.count
                if bytes.isEmpty || offset >= size { break }
            }
            try file.sync()
            try file.close()
            try fs.rename(temporary, to: joinPath(target, name))
        }
        try fs.syncDirectory(target)
    }
}
