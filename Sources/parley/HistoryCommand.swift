import ArgumentParser
import ParleyHistory
import ParleyModel
import ParleyStorage

/// `parley history …`: what the history files hold, and compaction run by hand (issue 16).
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Inspect and compact cold history (on a stopped server's data directory).",
        subcommands: [Info.self, Compact.self])

    struct HistoryJSON: Encodable {
        var live_files: [UInt64]
        var cold_messages: UInt64
        var hot_messages: UInt64
        var bytes_on_disk: Int
    }

    static func summary(_ store: EventStore) -> HistoryJSON {
        let (catalog, total) = store.read { ($0.history, UInt64($0.messageCount)) }
        return HistoryJSON(
            live_files: catalog.liveFiles.sorted(), cold_messages: catalog.coldMessages, hot_messages: total - catalog.coldMessages,
            bytes_on_disk: store.history.totals.bytes)
    }

    static func open(_ configuration: StorageConfiguration) throws -> EventStore {
        do {
            return try EventStore.open(configuration)
        } catch {
            throw CLIFailure(message: "\(error)")
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The live history files and how many messages are cold and hot, as JSON.")
        @Option(help: "The data directory.") var dataDir: String = "./data"

        func run() async throws {
            let store = try HistoryCommand.open(StorageConfiguration(dataDirectory: dataDir))
            defer { store.close() }
            try FileOutput.json(HistoryCommand.summary(store))
        }
    }

    struct Compact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move history out of RAM now, run after run until nothing is left to move, run retention and erasure's clean-up, then take a snapshot.")
        @Option(help: "The data directory.") var dataDir: String = "./data"
        @Option(help: "Keep this many newest messages of each conversation in RAM.") var keep: Int = 100
        @Option(help: "Hours after its close when a conversation keeps only its newest message in RAM.") var closedAgeHours: Int = 24
        @Option(help: "A run moves at least this many messages.") var minMessages: Int = 1

        func validate() throws {
            guard keep >= 1 else { throw ValidationError("--keep must be at least 1") }
            guard closedAgeHours >= 0 else { throw ValidationError("--closed-age-hours must not be negative") }
            guard (1...1_000_000).contains(minMessages) else { throw ValidationError("--min-messages must be 1 to 1000000") }
        }

        func run() async throws {
            var configuration = StorageConfiguration(dataDirectory: dataDir)
            configuration.compaction = CompactionPolicy(
                closedAgeMilliseconds: Int64(closedAgeHours) * 3_600_000, keepNewest: keep, minimumMessages: minMessages)
            let store = try HistoryCommand.open(configuration)
            var files = 0
            while let added = try await store.compactHistory(now: .now()) {
                files += 1
                FileOutput.standardError("history file \(added.number): \(added.moves.count) conversations")
            }
            // Then the rest of a maintenance run: retention, history files rewritten without
            // purged messages, older snapshots and log segments deleted after a purge.
            let blobs = try BlobStore(dataDirectory: dataDir)
            let report = try await store.maintain(now: .now()) { blob in
                if store.read({ $0.files.blobNames[blob] == nil }) { blobs.remove(blob) }
            }
            if let report, !report.isEmpty {
                FileOutput.standardError(
                    "maintenance: \(report.expiredMessages) messages expired, \(report.replacedFiles.count) history files rewritten")
            }
            store.close()
            if files > 0 || report?.isEmpty == false, try store.takeSnapshot() == nil {
                throw CLIFailure(message: "a snapshot is already being taken")
            }
            try FileOutput.json(HistoryCommand.summary(store))
        }
    }
}
