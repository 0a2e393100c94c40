#if canImport(Glibc)
import Glibc
#endif
import Histogram
import Synchronization

/// What a run measured: publish → deliver latency (µs, HdrHistogram), deliveries, and per
/// subscriber the `seq` values seen (``SeenSeqs``), for losses and duplicates.
final class LatencyRecorder: Sendable {
    private struct State: Sendable {
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var delivered = 0
        var duplicates = 0
        /// By subscriber index (small, from 0).
        var seen: [SeenSeqs] = []

        func seenBy(_ subscriber: Int) -> SeenSeqs { subscriber >= 0 && subscriber < seen.count ? seen[subscriber] : SeenSeqs() }
    }

    private let state = Mutex(State())

    /// A message with `seq`, stamped `sentAt` (ns, wall clock), reached `subscriber`.
    func delivered(subscriber: Int, seq: UInt64, sentAt: UInt64, now: UInt64 = WallClock.nanoseconds()) {
        precondition(subscriber >= 0, "a subscriber is an index")
        state.withLock { state in
            state.delivered += 1
            if subscriber >= state.seen.count {
                state.seen.append(contentsOf: repeatElement(SeenSeqs(), count: subscriber + 1 - state.seen.count))
            }
            if !state.seen[subscriber].insert(seq) { state.duplicates += 1 }
            _ = state.latency.record(now > sentAt ? (now - sentAt) / 1000 : 0)
        }
    }

    /// A latency sample without delivery bookkeeping (acks).
    func sample(microseconds: UInt64) {
        state.withLock { _ = $0.latency.record(microseconds) }
    }

    struct Summary: Sendable, Encodable {
        var count: UInt64
        var p50: UInt64
        var p90: UInt64
        var p99: UInt64
        var p999: UInt64
        var max: UInt64
        /// The distribution as (percentile, µs) points, for percentile plots (tools/bench-plot.py).
        var curve: [[Double]]

        /// The percentiles the curve is drawn through: halving the distance to 100 each step.
        static let curvePercentiles: [Double] = [0, 25, 50, 75, 87.5, 93.75, 96.875, 98.4375, 99.21875, 99.609375, 99.8046875, 99.90234375, 99.951171875, 99.9755859375, 100]
    }

    var latency: Summary {
        state.withLock { state in
            let h = state.latency
            return Summary(
                count: h.totalCount, p50: h.valueAtPercentile(50), p90: h.valueAtPercentile(90), p99: h.valueAtPercentile(99),
                p999: h.valueAtPercentile(99.9), max: h.max,
                curve: h.totalCount == 0 ? [] : Summary.curvePercentiles.map { [$0, Double($0 == 100 ? h.max : h.valueAtPercentile($0))] })
        }
    }

    var delivered: Int { state.withLock { $0.delivered } }
    var samples: Int { state.withLock { Int($0.latency.totalCount) } }
    var duplicates: Int { state.withLock { $0.duplicates } }

    /// Messages that a subscriber never got, each subscriber with its own acknowledged set.
    func losses(perSubscriber expected: [Int: Set<UInt64>]) -> Int {
        state.withLock { state in
            expected.reduce(0) { total, entry in total + state.seenBy(entry.key).missing(of: entry.value) }
        }
    }

    /// Messages that some subscriber never got, given the `seq` values that were acknowledged.
    func losses(expected: Set<UInt64>, subscribers: Int) -> Int {
        state.withLock { state in
            (0..<subscribers).reduce(0) { total, subscriber in
                total + state.seenBy(subscriber).missing(of: expected)
            }
        }
    }
}

enum WallClock {
    static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
