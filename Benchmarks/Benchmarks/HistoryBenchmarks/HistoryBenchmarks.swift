import Benchmark
import Foundation
import Glibc
import ParleyHistory
import ParleyLog
import ParleyModel
import Synchronization

/// Issue 16's read target: a page of 50 messages from cold history, p99 ≤ 20 ms with the page
/// cache dropped first, ≤ 2 ms warm. One history file of 1,000,000 messages of about 200 bytes
/// (10,000 conversations of 100); each iteration reads the page at a random place of a random
/// conversation. "Cold" evicts the file from the page cache (`posix_fadvise(DONTNEED)`, which
/// needs no privilege) before each read, outside the measurement.
let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident], warmupIterations: 20, scalingFactor: .one, maxDuration: .seconds(30),
        maxIterations: 2000)
    let fixture = HistoryFixture()

    Benchmark(
        "History page of 50, warm (1M messages on disk)", configuration: configuration,
        closure: { benchmark in
            let (conversation, seqs) = fixture.randomPage()
            benchmark.startMeasurement()
            let page = try fixture.file.messages(of: conversation, seqs: seqs)
            benchmark.stopMeasurement()
            precondition(page.count == 50)
        }, setup: { try fixture.build() })

    Benchmark(
        "History page of 50, page cache dropped (1M messages on disk)", configuration: configuration,
        closure: { benchmark in
            let (conversation, seqs) = fixture.randomPage()
            fixture.dropFromPageCache()
            benchmark.startMeasurement()
            let page = try fixture.file.messages(of: conversation, seqs: seqs)
            benchmark.stopMeasurement()
            precondition(page.count == 50)
        }, setup: { try fixture.build() })
}

/// The history file both benchmarks read, built once.
final class HistoryFixture: Sendable {
    static let conversations = 10_000
    static let perConversation = 100
    private let built = Mutex<HistoryFile?>(nil)
    private let generator = Mutex(SystemRandomNumberGenerator())
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-history-bench-\(getpid())").path

    var file: HistoryFile { built.withLock { $0! } }

    func build() throws {
        guard built.withLock({ $0 == nil }) else { return }
        try? FileManager.default.removeItem(atPath: directory)
        try PosixFileSystem().createDirectoryDurably(directory)
        let writer = try HistoryFileWriter(directory: directory, number: 1)
        let t0 = Timestamp(milliseconds: 1_705_761_000_000)
        var id: UInt64 = 0
        for conversation in 1...UInt64(Self.conversations) {
            for seq in 1...UInt64(Self.perConversation) {
                id += 1
                let text = "Message \(id) in conversation \(conversation): " + String(repeating: "lorem ipsum ", count: 12)
                try writer.append(
                    Message(
                        id: MessageID(id), conversationID: ConversationID(conversation), seq: seq,
                        sender: seq % 2 == 0 ? .agent(AgentID(1)) : .visitor(VisitorID(conversation)), content: String(text.prefix(200)),
                        clientMessageID: "c-\(id)", createdAt: Timestamp(milliseconds: t0.milliseconds + Int64(id) * 1000)))
            }
        }
        let file = try writer.finish()
        built.withLock { $0 = file }
    }

    func randomPage() -> (ConversationID, ClosedRange<UInt64>) {
        generator.withLock { generator in
            let conversation = ConversationID(UInt64.random(in: 1...UInt64(Self.conversations), using: &generator))
            let start = UInt64.random(in: 1...UInt64(Self.perConversation - 49), using: &generator)
            return (conversation, start...(start + 49))
        }
    }

    func dropFromPageCache() {
        let descriptor = open(file.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fdatasync(descriptor)
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_DONTNEED))
        close(descriptor)
    }
}
