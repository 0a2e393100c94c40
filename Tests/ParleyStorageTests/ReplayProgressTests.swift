import Logging
import ParleyEngine
import ParleyLog
import ParleyModel
import ParleyStorage
import ParleyTestSupport
import Synchronization
import Testing

/// A long start-up replay says how far it is in the log (issue 19): records and bytes done,
/// the share of the log, the rate and the time left.
@Suite struct ReplayProgressTests {
    /// Keeps every message logged through it.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])

        struct Handler: LogHandler {
            let sink: Lines
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace

            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }

            func log(event: LogEvent) {
                sink.lines.withLock { $0.append("\(event.message)") }
            }
        }
    }

    @Test func aLongReplayLogsItsProgress() async throws {
        let fs = CrashSimulatingFileSystem()
        var configuration = StoreFixture.configuration(fs, segmentBytes: 64 << 10)
        configuration.snapshotEveryRecords = 1_000_000
        let store = try EventStore.open(configuration, logger: Logger(label: "quiet", factory: { _ in SwiftLogNoOpLogHandler() }))
        let broker = Broker(store: store, passwords: PasswordHasher(cost: 4))
        let (_, _, _, conversations) = try await StoreFixture.populate(broker, conversations: 4)
        for index in 0..<3000 {
            _ = try await broker.send(
                MessageDraft(sender: .system, content: "message \(index)"), to: conversations[index % conversations.count])
        }
        store.close()

        let sink = Lines()
        configuration.replayProgressInterval = .zero
        let reopened = try EventStore.open(configuration, logger: Logger(label: "replay", factory: { _ in Lines.Handler(sink: sink) }))
        defer { reopened.close() }
        let progress = sink.lines.withLock { $0 }.filter { $0.hasPrefix("replaying the log: ") }
        #expect(progress.count >= 2, "\(sink.lines.withLock { $0 })")
        #expect(progress.allSatisfy { $0.contains("%, ") && $0.contains(" records (") && $0.contains(" MB (") })
        #expect(progress.first?.contains("1,024 records") == true)
    }
}
