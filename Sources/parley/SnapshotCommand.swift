import ArgumentParser
import Foundation
import ParleyModel
import ParleySnapshot
import ParleyStorage

/// `parley snapshot …`: create, list, inspect, verify and restore snapshots.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Create, list, inspect, verify and restore snapshots.",
        subcommands: [Create.self, List.self, Inspect.self, Verify.self, Restore.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a snapshot of a data directory that no server is using.")
        @Option(help: "The data directory.") var dataDir: String = "./data"

        func run() async throws {
            let store: EventStore
            do {
                store = try EventStore.open(StorageConfiguration(dataDirectory: dataDir))
            } catch {
                throw CLIFailure(message: "\(error)")
            }
            store.close()
            guard let info = try store.takeSnapshot() else { throw CLIFailure(message: "a snapshot is already being taken") }
            try FileOutput.json(SnapshotJSON(info))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a data directory's snapshots, newest first.")
        @Option(help: "The data directory.") var dataDir: String = "./data"

        func run() async throws {
            let configuration = StorageConfiguration(dataDirectory: dataDir)
            let snapshots = try SnapshotStore(directory: configuration.snapshotDirectory).list()
            try FileOutput.json(snapshots.map(SnapshotJSON.init))
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a snapshot's header as JSON.")
        @Argument(help: "The snapshot file.") var file: String

        func run() async throws {
            let info = SnapshotStore.info(path: file)
            try FileOutput.json(SnapshotJSON(info))
            if let problem = info.headerProblem { throw CLIFailure(message: problem) }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a snapshot completely: header, checksum, LZ4 frame and body. Exit 1 on damage.")
        @Argument(help: "The snapshot file.") var file: String

        func run() async throws {
            do {
                let (header, body) = try SnapshotStore.read(path: file)
                let state = try SnapshotStore.decodeState(header: header, body: body)
                let counts = state.counts
                FileOutput.standardError(
                    "ok: \(file) at LSN \(header.lsn): \(counts.sites) sites, \(counts.agents) agents, \(counts.visitors) visitors, \(counts.conversations) conversations, \(counts.messages) messages")
            } catch {
                throw CLIFailure(message: "\(file): \(error)")
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a new data directory from a snapshot, replaying the log after it up to an LSN or a time.")
        @Argument(help: "The snapshot file.") var file: String
        @Option(help: "The new (empty or missing) data directory.") var dataDir: String
        @Option(help: "The log to replay after the snapshot (default: the wal/ beside the snapshot's directory).")
        var walDir: String?
        @Option(help: "Stop after the record with this LSN.") var toLsn: UInt64?
        @Option(help: "Stop before the first record after this RFC 3339 time.") var toTime: String?
        @Flag(help: "Restore the snapshot alone, without any log replay.") var noReplay = false
        @Option(help: "The file bytes to carry over (default: the blobs/ beside the snapshot's directory).")
        var blobsDir: String?
        @Option(help: "The history files to carry over (default: the history/ beside the snapshot's directory).")
        var historyDir: String?

        func validate() throws {
            if toLsn != nil && toTime != nil { throw ValidationError("give --to-lsn or --to-time, not both") }
            if let toTime, Timestamp(rfc3339: toTime) == nil {
                throw ValidationError("--to-time must be an RFC 3339 time, e.g. 2024-01-20T14:30:00Z")
            }
        }

        func run() async throws {
            let snapshotDirectory = URL(fileURLWithPath: file).deletingLastPathComponent()
            let defaultWAL = snapshotDirectory.deletingLastPathComponent().appendingPathComponent("wal").path
            let wal = noReplay ? nil : (walDir ?? (FileManager.default.fileExists(atPath: defaultWAL) ? defaultWAL : nil))
            let started = ContinuousClock.now
            var progress: TerminalProgress?
            do {
                let report = try SnapshotRestore.restore(
                    snapshotPath: file, walDirectory: wal,
                    historyDirectory: historyDir ?? snapshotDirectory.deletingLastPathComponent().appendingPathComponent("history").path,
                    into: dataDir,
                    target: .init(lsn: toLsn, time: toTime.flatMap { Timestamp(rfc3339: $0) }),
                    progress: { records, bytes, total in
                        if progress == nil { progress = TerminalProgress("restore: replaying the log", totalBytes: total) }
                        progress?.update(records: records, bytes: bytes)
                    })
                progress?.finish()
                FileOutput.standardError("restore: \(report.replayedRecords) records replayed, at LSN \(report.restoredLSN), \(ContinuousClock.now - started)")
                // File bytes: every blob is copied; the restored server sweeps those its files do not name.
                let blobs = blobsDir ?? snapshotDirectory.deletingLastPathComponent().appendingPathComponent("blobs").path
                let copied = try Self.copyBlobs(from: blobs, into: URL(fileURLWithPath: dataDir).appendingPathComponent("blobs").path)
                try FileOutput.json(
                    RestoreJSON(
                        data_dir: dataDir, snapshot_lsn: report.snapshotLSN, restored_lsn: report.restoredLSN,
                        replayed_records: report.replayedRecords, wal_dir: wal, log_problem: report.logProblem,
                        blobs_copied: copied, snapshot: SnapshotJSON(report.snapshot)))
            } catch let error as StorageError {
                if case .invalidArgument(let why) = error { throw CLIFailure(message: why, exitCode: 2) }
                throw CLIFailure(message: "\(error)")
            } catch {
                throw CLIFailure(message: "\(error)")
            }
        }

        /// Copies `source/<aa>/<sha256>` blobs (not unfinished uploads); returns how many.
        static func copyBlobs(from source: String, into target: String) throws -> Int {
            let files = FileManager.default
            guard files.fileExists(atPath: source) else { return 0 }
            var copied = 0
            for directory in try files.contentsOfDirectory(atPath: source) where directory != "tmp" {
                let from = source + "/" + directory
                let to = target + "/" + directory
                try files.createDirectory(atPath: to, withIntermediateDirectories: true)
                for name in try files.contentsOfDirectory(atPath: from) where !files.fileExists(atPath: to + "/" + name) {
                    try files.copyItem(atPath: from + "/" + name, toPath: to + "/" + name)
                    copied += 1
                }
            }
            return copied
        }
    }
}

/// A snapshot as the CLI prints it.
struct SnapshotJSON: Encodable {
    var file: String
    var lsn: UInt64
    var bytes: Int
    var valid_header: Bool
    var problem: String?
    var created_at: String?
    var format_version: Int?
    var body_version: Int?
    var body_bytes: UInt64?
    var compression_ratio: Double?
    var counts: [String: UInt64]?

    init(_ info: SnapshotInfo) {
        file = info.path
        lsn = info.lsn
        bytes = info.fileSize
        valid_header = info.header != nil
        problem = info.headerProblem
        if let header = info.header {
            created_at = Timestamp(milliseconds: header.createdAt).rfc3339
            format_version = Int(SnapshotHeader.formatVersion)
            body_version = Int(header.bodyVersion)
            body_bytes = header.bodySize
            compression_ratio = header.frameSize > 0 ? (Double(header.bodySize) / Double(header.frameSize) * 100).rounded() / 100 : nil
            let names = ["sites", "agents", "visitors", "conversations", "messages", "read_cursors"]
            counts = Dictionary(uniqueKeysWithValues: zip(names, header.counts))
        }
    }
}

struct RestoreJSON: Encodable {
    var data_dir: String
    var snapshot_lsn: UInt64
    var restored_lsn: UInt64
    var replayed_records: Int
    var wal_dir: String?
    var log_problem: String?
    var blobs_copied: Int
    var snapshot: SnapshotJSON
}
