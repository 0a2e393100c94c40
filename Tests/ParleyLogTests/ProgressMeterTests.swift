@testable import ParleyLog
import Testing

/// The progress of long operations (issue 19): rate, share done and time left from the
/// readings, at most one reading per interval, and the line an operator sees.
@Suite struct ProgressMeterTests {
    @Test func bytesGiveTheShareTheRateAndTheTimeLeft() throws {
        let start = ContinuousClock.now
        var meter = ProgressMeter(totalBytes: 10_000_000, startingAtBytes: 1_000_000, interval: .seconds(1), now: start)
        // Within the interval: no reading yet.
        let early = meter.update(records: 10, bytes: 1_500_000, now: start + .milliseconds(500))
        #expect(early == nil)
        let next = meter.update(records: 40_000, bytes: 5_000_000, now: start + .seconds(2))
        let reading = try #require(next)
        #expect(reading.fraction == 0.5)
        #expect(reading.bytesPerSecond == 2_000_000)
        #expect(reading.recordsPerSecond == 20_000)
        #expect(reading.remaining == .milliseconds(2500))
        #expect(reading.line("replay") == "replay: 50%, 40,000 records (20,000/s), 5.0 of 10.0 MB (2.0 MB/s), 3 s left")
        // The next reading waits for the next interval.
        let tooSoon = meter.update(records: 41_000, bytes: 5_100_000, now: start + .milliseconds(2500))
        #expect(tooSoon == nil)
        let later = meter.update(records: 42_000, bytes: 5_200_000, now: start + .seconds(3))
        #expect(later != nil)
    }

    @Test func recordsAloneWhenNoBytesAreCounted() throws {
        let start = ContinuousClock.now
        var meter = ProgressMeter(totalRecords: 1000, interval: .zero, now: start)
        let next = meter.update(records: 250, now: start + .seconds(1))
        let reading = try #require(next)
        #expect(reading.fraction == 0.25)
        #expect(reading.remaining == .seconds(3))
        #expect(reading.line("seed", unit: "messages") == "seed: 25%, 250 messages (250/s), 3 s left")
    }

    @Test func withoutATotalThereIsNoShareNorTimeLeft() throws {
        let start = ContinuousClock.now
        var meter = ProgressMeter(interval: .zero, now: start)
        let next = meter.update(records: 1_234_567, now: start + .seconds(10))
        let reading = try #require(next)
        #expect(reading.fraction == nil && reading.remaining == nil)
        #expect(reading.line("verify") == "verify: 1,234,567 records (123,457/s)")
    }

    @Test func longWaitsReadInMinutesAndHours() {
        #expect(ProgressMeter.Reading.clock(.seconds(125)) == "2 min 05 s")
        #expect(ProgressMeter.Reading.clock(.seconds(3723)) == "1 h 02 min")
        #expect(ProgressMeter.Reading.clock(.milliseconds(1)) == "1 s")
    }
}
