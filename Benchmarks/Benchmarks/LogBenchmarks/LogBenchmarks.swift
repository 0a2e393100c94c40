import Benchmark
import Foundation
import ParleyLog
import Synchronization

/// Log append with 1, 16 and 256 concurrent writers under each fsync policy.
///
/// One iteration = every writer appends its share of 4,096 records of 200 bytes, each
/// waiting for its own record to be durable before the next (like a conversation actor
/// acknowledging a client). Reported per iteration: records/s, records per fsync, and every
/// append's append-to-durable latency (its percentiles are the p50/p99 columns).
let benchmarks: @Sendable () -> Void = {
    let recordsPerIteration = 4096
    let payload = [UInt8](repeating: 0x61, count: 200)
    let policies: [(String, FsyncPolicy)] = [("always", .always), ("interval", .interval(milliseconds: 5)), ("none", .none)]
    let recordsPerSecond = BenchmarkMetric.custom("records/s", polarity: .prefersLarger, useScalingFactor: false)
    let recordsPerFsync = BenchmarkMetric.custom("records per fsync", polarity: .prefersLarger, useScalingFactor: false)
    let latency = BenchmarkMetric.custom("append→durable (µs)", polarity: .prefersSmaller, useScalingFactor: false)

    for (policyName, policy) in policies {
        for writers in [1, 16, 256] {
            let fixture = LogFixture(policy: policy)
            Benchmark(
                "Log append, \(writers) writers, fsync \(policyName)",
                configuration: .init(
                    metrics: [.wallClock, recordsPerSecond, recordsPerFsync, latency],
                    maxDuration: .seconds(4), maxIterations: 30,
                    setup: { try fixture.open() }, teardown: { fixture.close() })
            ) { benchmark in
                let log = fixture.log
                let syncsBefore = log.statistics.syncs
                let recordsBefore = log.statistics.records
                let started = ContinuousClock.now
                benchmark.startMeasurement()
                let samples = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for _ in 0..<writers {
                        group.addTask {
                            var mine: [Int] = []
                            mine.reserveCapacity(recordsPerIteration / writers)
                            for _ in 0..<(recordsPerIteration / writers) {
                                let begin = ContinuousClock.now
                                let lsn = try log.append(type: 1, payload: payload)
                                try await log.waitUntilDurable(lsn)
                                let elapsed = ContinuousClock.now - begin
                                mine.append(Int(elapsed.components.attoseconds / 1_000_000_000_000 + elapsed.components.seconds * 1_000_000))
                            }
                            return mine
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                benchmark.stopMeasurement()
                let elapsed = ContinuousClock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let records = log.statistics.records - recordsBefore
                let syncs = log.statistics.syncs - syncsBefore
                benchmark.measurement(recordsPerSecond, Int(Double(samples.count) / seconds))
                if syncs > 0 { benchmark.measurement(recordsPerFsync, records / syncs) }
                for sample in samples { benchmark.measurement(latency, sample) }
            }
        }
    }
}

/// A log in a fresh temporary directory, opened in setup and removed in teardown.
final class LogFixture: Sendable {
    private let policy: FsyncPolicy
    private let state = Mutex<(RecordLog?, String?)>((nil, nil))

    init(policy: FsyncPolicy) { self.policy = policy }

    var log: RecordLog { state.withLock { $0.0! } }

    func open() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-\(UUID())").path
        let (log, _) = try RecordLog.open(RecordLog.Configuration(directory: directory, fsync: policy))
        state.withLock { $0 = (log, directory) }
    }

    func close() {
        let (log, directory) = state.withLock { $0 }
        log?.close()
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
        state.withLock { $0 = (nil, nil) }
    }
}
