import ArgumentParser
import ParleyLog
import ParleyModel
import ParleyStorage

/// `parley wal …`: read the write-ahead log without changing it.
struct WALCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wal", abstract: "Inspect and verify the write-ahead log.", subcommands: [Inspect.self, Verify.self])

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
                    let type = EventType(rawValue: record.type)
                    var summary: String?
                    if case .messageAppended(let message)? = try? EventCodec.decode(type: record.type, payload: record.payload) {
                        summary = "\(NativeID.format(message.conversationID)) seq \(message.seq)"
                    }
                    try FileOutput.jsonLine(
                        RecordJSON(
                            lsn: record.lsn, type: type?.name ?? "unknown(\(record.type))", bytes: record.payload.count,
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
            let report = try LogReader.scan(directory: directory) { record in
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
