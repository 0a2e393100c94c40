import ArgumentParser
import Foundation
import ParleyLog
import ParleyModel
import ParleyStorage

/// `parley wal …`: read the write-ahead log without changing it, or (`repair`) cut it where an
/// operator decides.
struct WALCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wal", abstract: "Inspect, verify and (explicitly) repair the write-ahead log.",
        subcommands: [Inspect.self, Verify.self, Repair.self, ClearFsyncFailure.self, FsyncTest.self])

    struct Repair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cut the log at FILE:OFFSET (the bytes from there on and every later segment are kept as .broken files, fsynced first). Records after the cut are lost: restore them from a backup if you have one.")
        @Option(help: "The data directory (the server must not be running).") var dataDir: String = "./data"
        @Option(help: "Where to cut: a segment file (its name or path) and a byte offset, as the start's error names them.")
        var truncateAt: String

        func run() async throws {
            guard let colon = truncateAt.lastIndex(of: ":"), let offset = Int(truncateAt[truncateAt.index(after: colon)...]) else {
                throw ValidationError("--truncate-at takes FILE:OFFSET")
            }
            let file = String(truncateAt[..<colon]).split(separator: "/").last.map(String.init) ?? ""
            let configuration = StorageConfiguration(dataDirectory: dataDir)
            // Holding the data directory's lock: a running server has it.
            let lock = try DataDirectoryLock(directory: dataDir)
            defer { withExtendedLifetime(lock) {} }
            do {
                let outcome = try LogRepair.truncate(
                    directory: configuration.walDirectory, segment: file, at: offset, fileSystem: PosixFileSystem())
                try FileOutput.jsonLine(outcome)
                FileOutput.standardError(
                    "cut \(outcome.file) at offset \(outcome.offset) (\(outcome.bytesCut) bytes); kept in: \(outcome.keptIn.joined(separator: ", "))")
            } catch let refusal as LogRepair.Refusal {
                throw CLIFailure(message: refusal.description)
            }
        }
    }

    struct FsyncTest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fsync-test",
            abstract: "Measure this disk's fdatasync as the log uses it: records appended and synced back to back in a scratch file (removed after). Prints JSON: each sync's time, and the wait of a message arriving at a random instant, the floor under acknowledged latency with --fsync always.")
        @Option(help: "The directory to probe: the data directory, or any on the same disk.") var dataDir: String = "./data"
        @Option(help: "How long to run, in seconds.") var seconds: Double = 5
        @Option(help: "Bytes per append (a message record is about 300).") var recordBytes: Int = 300
        @Option(help: "Start two syncs at least this many microseconds apart, as serve --commit-delay-us does (0: back to back).")
        var commitDelayUs: Int = 0

        func validate() throws {
            guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be more than 0 and at most 600") }
            guard (1...(1 << 20)).contains(recordBytes) else { throw ValidationError("--record-bytes must be 1 to 1048576") }
            guard (0...SyncPacer.maximumMicroseconds).contains(commitDelayUs) else {
                throw ValidationError("--commit-delay-us must be 0 to \(SyncPacer.maximumMicroseconds)")
            }
        }

        func run() async throws {
            let result: FsyncProbeResult
            do {
                result = try FsyncProbe.run(
                    directory: dataDir, seconds: seconds, recordBytes: recordBytes, commitDelay: .microseconds(commitDelayUs))
            } catch let error as FileSystemError {
                throw CLIFailure(message: "\(error)")
            }
            try FileOutput.jsonLine(result)
            let (sync, wait) = (result.syncMicroseconds, result.arrivalWaitMicroseconds)
            FileOutput.standardError(
                "\(result.syncs) syncs in \(String(format: "%.1f", result.seconds)) s (\(Int(result.syncsPerSecond))/s); "
                    + "fdatasync µs p50 \(sync.p50) p99 \(sync.p99) p99.9 \(sync.p999) max \(sync.max); "
                    + "a message's wait µs p50 \(wait.p50) p99 \(wait.p99) p99.9 \(wait.p999)")
        }
    }

    struct ClearFsyncFailure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear-fsync-failure",
            abstract: "After an fsync failure, once the page cache is dropped (sync; echo 3 > /proc/sys/vm/drop_caches), let the server start again in the same boot. A reboot clears the marker by itself.")
        @Option(help: "The data directory (the server must not be running).") var dataDir: String = "./data"

        func run() async throws {
            let lock = try DataDirectoryLock(directory: dataDir)
            defer { withExtendedLifetime(lock) {} }
            let cleared = try FsyncFailureMarker.clear(dataDirectory: dataDir)
            FileOutput.standardError(
                cleared
                    ? "removed \(FsyncFailureMarker.path(dataDirectory: dataDir)); the next start reads the log from the disk"
                    : "no fsync failure is recorded in \(dataDir)")
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the log's records as JSON lines.")
        @Option(help: "The data directory.") var dataDir: String = "./data"
        @Option(help: "Start at this LSN.") var from: UInt64 = 0
        @Option(help: "Print at most this many records.") var limit: Int = .max

        func run() async throws {
            let directory = StorageConfiguration(dataDirectory: dataDir).walDirectory
            var printed = 0
            struct Enough: Error {}
            var report: LogReader.Report?
            do {
                report = try LogReader.scan(directory: directory, from: from) { record in
                    guard printed < limit else { throw Enough() }
                    let decoded = try? EventCodec.decodeRecord(type: record.type, payload: record.payload)
                    var name = EventType(rawValue: record.type)?.name ?? "unknown(\(record.type))"
                    if let decoded, decoded.claim != nil { name = "claimed_effect(\(decoded.event.recordType.name))" }
                    var summary: String?
                    if case .messageAppended(let message)? = decoded?.event {
                        summary = "\(NativeID.format(message.conversationID)) seq \(message.seq)"
                    }
                    try FileOutput.jsonLine(
                        RecordJSON(
                            lsn: record.lsn, type: name, bytes: record.payload.count,
                            offset: record.offset, summary: summary))
                    printed += 1
                }
            } catch is Enough {}
            if let problem = report?.problem { throw CLIFailure(message: "\(problem)") }
        }

        struct RecordJSON: Encodable {
            var lsn: UInt64
            var type: String
            var bytes: Int
            var offset: Int
            var summary: String?
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every segment; exit 1 naming the file and offset of any damage.")
        @Option(help: "The data directory.") var dataDir: String = "./data"

        func run() async throws {
            let directory = StorageConfiguration(dataDirectory: dataDir).walDirectory
            var undecodable: (UInt64, String)?
            var position = LogScanProgress(directory: directory)
            let progress = TerminalProgress("verify", totalBytes: position.totalBytes)
            var visited = 0
            defer { progress.finish() }
            let report = try LogReader.scan(directory: directory) { record in
                visited += 1
                progress.update(records: visited, bytes: position.bytesDone(through: record))
                if undecodable == nil {
                    do {
                        _ = try EventCodec.decode(type: record.type, payload: record.payload)
                    } catch {
                        undecodable = (record.lsn, "\(error)")
                    }
                }
            }
            if let problem = report.problem {
                let note = report.isRepairableTail ? " (a torn tail of the last segment: the next start cuts it off)" : ""
                throw CLIFailure(message: "\(problem)\(note)")
            }
            if let (lsn, why) = undecodable { throw CLIFailure(message: "record at LSN \(lsn) does not decode: \(why)") }
            let records = report.segments.reduce(0) { $0 + $1.recordCount }
            FileOutput.standardError(
                "ok: \(report.segments.count) segments, \(records) records, LSN \(report.segments.first?.firstLSN ?? 0) to \((report.nextLSN ?? 1) - 1)")
        }
    }
}
