import Foundation
import ParleyLog
import ParleyTestSupport
import Testing

/// `parley wal fsync-test`'s figures: each sync's time, and the wait of a message arriving at a
/// random instant, weighted by time (``FsyncTimeline``); and the probe on the real disk.
@Suite struct FsyncProbeTests {
    /// Batches of `syncs[i]` milliseconds each, back to back, the write taking no time.
    static func timeline(syncMilliseconds syncs: [UInt64]) -> FsyncTimeline {
        var timeline = FsyncTimeline()
        var now: UInt64 = 0
        for sync in syncs {
            timeline.append(.init(writeStart: now, syncStart: now, syncEnd: now + sync * 1_000_000))
            now += sync * 1_000_000
        }
        return timeline
    }

    @Test func evenSyncsMakeAnArrivalWaitBetweenOneAndTwoSyncs() {
        let result = Self.timeline(syncMilliseconds: Array(repeating: 1, count: 100)).result(recordBytes: 300)
        #expect(result.syncs == 100)
        #expect(abs(result.seconds - 0.1) < 1e-9)
        #expect(abs(result.syncsPerSecond - 1000) < 1e-6)
        #expect(result.syncMicroseconds == .init(p50: 1000, p90: 1000, p99: 1000, p999: 1000, max: 1000))
        // One arriving during a sync waits for it and for the next one: uniform on (1, 2] ms.
        let wait = result.arrivalWaitMicroseconds
        #expect(wait.p50 == 1500)
        #expect(wait.p90 == 1900)
        #expect(wait.p99 == 1990)
        #expect(wait.max == 2000)
    }

    @Test func oneLongSyncWeighsByTheTimeItHoldsArrivalsBack() {
        // 99 syncs of 1 ms and one of 10 ms: by count the long one is under the 99th percentile;
        // by time it holds back 9 % of the arrivals past 2 ms, and 2 % of them past 10 ms.
        var syncs = Array(repeating: UInt64(1), count: 100)
        syncs[50] = 10
        let result = Self.timeline(syncMilliseconds: syncs).result(recordBytes: 300)
        #expect(result.syncMicroseconds.p99 == 1000)
        // Past 2,048 µs the histogram keeps three significant digits.
        #expect((10_000..<10_010).contains(result.syncMicroseconds.max))
        #expect(result.arrivalWaitMicroseconds.p99 > 10_000)
        #expect((11_000..<11_010).contains(result.arrivalWaitMicroseconds.max))
    }

    @Test func anEmptyOrSingleBatchTimelineHasNoArrivals() {
        #expect(FsyncTimeline().result(recordBytes: 1).syncs == 0)
        let one = Self.timeline(syncMilliseconds: [3]).result(recordBytes: 1)
        #expect(one.syncs == 1)
        #expect((3000..<3003).contains(one.syncMicroseconds.p50))
        #expect(one.arrivalWaitMicroseconds == .init(p50: 0, p90: 0, p99: 0, p999: 0, max: 0))
    }

    @Test func theJSONNamesItsFigures() throws {
        let result = Self.timeline(syncMilliseconds: [1, 1]).result(recordBytes: 300)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any])
        #expect(Set(json.keys) == ["seconds", "record_bytes", "syncs", "syncs_per_second", "sync_us", "arrival_wait_us"])
        #expect(Set((json["sync_us"] as? [String: Any] ?? [:]).keys) == ["p50", "p90", "p99", "p99_9", "max"])
    }

    @Test func theProbeSyncsOnTheRealDiskAndRemovesItsFile() throws {
        let directory = ParleyBinary.temporaryDirectory("fsync-probe")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let result = try FsyncProbe.run(directory: directory, seconds: 0.3, recordBytes: 300)
        #expect(result.syncs > 0)
        #expect(result.seconds > 0 && result.seconds < 5)
        let sync = result.syncMicroseconds
        #expect(sync.p50 <= sync.p99 && sync.p99 <= sync.max)
        #expect(result.arrivalWaitMicroseconds.p50 >= sync.p50 / 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func aMissingDirectoryIsAnError() {
        #expect(throws: FileSystemError.self) {
            _ = try FsyncProbe.run(directory: "/nonexistent/parley-probe", seconds: 0.1, recordBytes: 10)
        }
    }
}
