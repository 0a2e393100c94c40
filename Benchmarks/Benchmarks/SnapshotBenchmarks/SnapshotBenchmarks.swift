import Benchmark
import Foundation
import ParleyLog
import ParleyModel
import ParleySnapshot
import ParleyStorage
import Synchronization

/// Snapshot write and load of 1M messages, and a restart: snapshot load + replay of 100k
/// log records.
let benchmarks: @Sendable () -> Void = {
    let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    let compression = BenchmarkMetric.custom("compression ×100", polarity: .prefersLarger, useScalingFactor: false)
    let configuration = { (metrics: [BenchmarkMetric]) in
        Benchmark.Configuration(
            metrics: [.wallClock, .peakMemoryResident] + metrics, warmupIterations: 1, maxDuration: .seconds(30),
            maxIterations: 5)
    }
    let fixture = SnapshotFixture()

    Benchmark(
        "Snapshot write, 1M messages", configuration: configuration([megabytesPerSecond, compression]),
        closure: { benchmark in
            let directory = fixture.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let state = fixture.state
            let started = ContinuousClock.now
            benchmark.startMeasurement()
            let info = try SnapshotStore(directory: directory).write(state)
            benchmark.stopMeasurement()
            let header = info.header!
            benchmark.measurement(megabytesPerSecond, Int(Double(header.bodySize) / 1e6 / fixture.seconds(since: started)))
            benchmark.measurement(compression, Int(Double(header.bodySize) / Double(header.frameSize) * 100))
        }, setup: { fixture.buildState() })

    Benchmark(
        "Snapshot load, 1M messages", configuration: configuration([megabytesPerSecond]),
        closure: { benchmark in
            let started = ContinuousClock.now
            benchmark.startMeasurement()
            let (header, body) = try SnapshotStore.read(path: fixture.snapshotPath)
            let state = try SnapshotStore.decodeState(header: header, body: body)
            benchmark.stopMeasurement()
            precondition(state.messageCount == SnapshotFixture.messages)
            benchmark.measurement(megabytesPerSecond, Int(Double(header.bodySize) / 1e6 / fixture.seconds(since: started)))
        }, setup: { try fixture.buildDataDirectory() })

    Benchmark(
        "Restart: 1M-message snapshot + replay of 100k log records", configuration: configuration([]),
        closure: { benchmark in
            let copy = fixture.copyOfDataDirectory()
            defer { try? FileManager.default.removeItem(atPath: copy) }
            benchmark.startMeasurement()
            let store = try EventStore.open(StorageConfiguration(dataDirectory: copy, fsync: .none, usesLockFile: false))
            benchmark.stopMeasurement()
            precondition(store.startReport.replayedRecords == SnapshotFixture.replayRecords)
            precondition(store.read { $0.messageCount } == SnapshotFixture.messages + SnapshotFixture.replayRecords)
            store.close()
        }, setup: { try fixture.buildDataDirectory() })
}

/// A state of 1M messages (200 bytes each, in 1,000 conversations) and a data directory with
/// its snapshot plus 100k more messages in the log; built once, shared by the benchmarks.
final class SnapshotFixture: Sendable {
    static let messages = 1_000_000
    static let conversations = 1000
    static let replayRecords = 100_000
    private let built = Mutex<(ParleyState?, String?)>((nil, nil))
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("parley-snapbench-\(UUID())").path

    var state: ParleyState { built.withLock { $0.0! } }
    var dataDirectory: String { built.withLock { $0.1! } }
    var snapshotPath: String { (try? SnapshotStore(directory: dataDirectory + "/snapshots").list().first?.path) ?? "" }

    func temporaryDirectory() -> String { root + "/w-\(UUID().uuidString)" }

    func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    func buildState() {
        if built.withLock({ $0.0 != nil }) { return }
        let t0 = Timestamp(milliseconds: 1_705_761_000_000)
        var state = ParleyState()
        var lsn: UInt64 = 0
        func apply(_ event: Event) {
            lsn += 1
            try! state.apply(event, lsn: lsn)
        }
        let site = SiteID(1)
        apply(.siteCreated(Site(id: site, name: "Bench", domain: "", publicKey: "pk_b", secretKey: "sk_b", createdAt: t0)))
        for index in 1...Self.conversations {
            let visitor = VisitorID(UInt64(index))
            apply(.visitorRegistered(Visitor(id: visitor, siteID: site, externalID: "v\(index)", name: "Visitor \(index)", firstSeenAt: t0, lastSeenAt: t0)))
            apply(.conversationOpened(Conversation(id: ConversationID(UInt64(index)), siteID: site, visitorID: visitor, createdAt: t0)))
        }
        for index in 0..<Self.messages {
            apply(.messageAppended(Self.message(index, t0: t0)))
        }
        built.withLock { $0.0 = state }
    }

    static func message(_ index: Int, t0: Timestamp) -> Message {
        let conversation = index % conversations + 1
        return Message(
            id: MessageID(UInt64(index + 1)), conversationID: ConversationID(UInt64(conversation)),
            seq: UInt64(index / conversations + 1), sender: .visitor(VisitorID(UInt64(conversation))),
            content: "Message \(index): " + String(repeating: "lorem ipsum ", count: 16).prefix(180),
            clientMessageID: "c\(index)", createdAt: Timestamp(milliseconds: t0.milliseconds + Int64(index)))
    }

    func buildDataDirectory() throws {
        buildState()
        if built.withLock({ $0.1 != nil }) { return }
        let directory = root + "/data"
        let configuration = StorageConfiguration(dataDirectory: directory, fsync: .none, usesLockFile: false)
        try SnapshotStore(directory: configuration.snapshotDirectory).write(state)
        let (log, _) = try RecordLog.open(
            RecordLog.Configuration(directory: configuration.walDirectory, fsync: .none, initialLSN: state.appliedLSN + 1))
        let t0 = Timestamp(milliseconds: 1_705_761_000_000)
        for index in Self.messages..<(Self.messages + Self.replayRecords) {
            let (type, payload) = EventCodec.encode(.messageAppended(Self.message(index, t0: t0)))
            _ = try log.append(type: type, payload: payload)
        }
        log.close()
        built.withLock { $0.1 = directory }
    }

    func copyOfDataDirectory() -> String {
        let copy = temporaryDirectory()
        try! FileManager.default.copyItem(atPath: dataDirectory, toPath: copy)
        return copy
    }
}
