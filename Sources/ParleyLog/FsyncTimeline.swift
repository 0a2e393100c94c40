import Histogram

/// The batches of an ``FsyncProbe`` run, each from the start of its write to the end of its
/// `fdatasync`, turned into the figures an operator needs to judge a disk for the log.
///
/// Besides the time each `fdatasync` took, it gives the wait of a message that arrives at a
/// random instant while the log syncs back to back: the message goes into the next batch to
/// start, so it is durable when that batch's sync ends. That wait, weighted by time rather
/// than counted per sync, is the floor under an acknowledged message's latency on this disk
/// with `--fsync always` at any load high enough to keep the log syncing: one long sync holds
/// back every message that arrives while it runs, where a count of syncs weighs it once.
public struct FsyncTimeline: Sendable {
    /// One batch, in nanoseconds from the run's start: its write began, its sync began, its
    /// sync ended.
    public struct Batch: Sendable, Equatable {
        public var writeStart: UInt64
        public var syncStart: UInt64
        public var syncEnd: UInt64

        public init(writeStart: UInt64, syncStart: UInt64, syncEnd: UInt64) {
            self.writeStart = writeStart
            self.syncStart = syncStart
            self.syncEnd = syncEnd
        }
    }

    public private(set) var batches: [Batch] = []

    public init() {}

    /// Adds the next batch; batches come in order, each starting after the one before ended.
    public mutating func append(_ batch: Batch) {
        precondition(batch.writeStart <= batch.syncStart && batch.syncStart <= batch.syncEnd, "a batch's times run forward")
        precondition(batches.last.map { $0.syncEnd <= batch.writeStart } ?? true, "batches follow one another")
        batches.append(batch)
    }

    /// The run's figures (microseconds), for appends of `recordBytes` each.
    public func result(recordBytes: Int) -> FsyncProbeResult {
        let span = Double((batches.last?.syncEnd ?? 0) - (batches.first?.writeStart ?? 0)) / 1e9
        var syncs = Self.histogram()
        for batch in batches { syncs.record(Self.microseconds(batch.syncEnd - batch.syncStart)) }
        return FsyncProbeResult(
            seconds: span, recordBytes: recordBytes, syncs: batches.count,
            syncsPerSecond: span > 0 ? Double(batches.count) / span : 0,
            syncMicroseconds: .init(syncs), arrivalWaitMicroseconds: .init(arrivalWaits()))
    }

    /// The wait of an arrival at each microsecond from the first batch's start to the last
    /// one's: one arriving in [start of batch i - 1, start of batch i) is durable at the end of
    /// batch i's sync (the first batch only starts the timeline).
    func arrivalWaits() -> Histogram<UInt64> {
        var waits = Self.histogram()
        guard batches.count > 1 else { return waits }
        for index in 1..<batches.count {
            let from = Self.microseconds(batches[index - 1].writeStart)
            let to = Self.microseconds(batches[index].writeStart)
            let end = Self.microseconds(batches[index].syncEnd)
            guard to > from else { continue }
            for arrival in from..<to { waits.record(end - arrival) }
        }
        return waits
    }

    static func histogram() -> Histogram<UInt64> {
        // Up to ten minutes, three significant digits.
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        return histogram
    }

    static func microseconds(_ nanoseconds: UInt64) -> UInt64 { nanoseconds / 1000 }
}

/// What an ``FsyncProbe`` run measured (JSON: snake case, microseconds).
public struct FsyncProbeResult: Codable, Sendable, Equatable {
    /// Percentiles of one distribution, in microseconds.
    public struct Percentiles: Codable, Sendable, Equatable {
        public var p50: UInt64
        public var p90: UInt64
        public var p99: UInt64
        public var p999: UInt64
        public var max: UInt64

        public init(p50: UInt64, p90: UInt64, p99: UInt64, p999: UInt64, max: UInt64) {
            (self.p50, self.p90, self.p99, self.p999, self.max) = (p50, p90, p99, p999, max)
        }

        init(_ histogram: Histogram<UInt64>) {
            guard histogram.totalCount > 0 else {
                self.init(p50: 0, p90: 0, p99: 0, p999: 0, max: 0)
                return
            }
            self.init(
                p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
                p99: histogram.valueAtPercentile(99), p999: histogram.valueAtPercentile(99.9), max: histogram.max)
        }

        enum CodingKeys: String, CodingKey {
            case p50, p90, p99, p999 = "p99_9", max
        }
    }

    public var seconds: Double
    public var recordBytes: Int
    public var syncs: Int
    public var syncsPerSecond: Double
    /// Each `fdatasync` alone.
    public var syncMicroseconds: Percentiles
    /// From a random instant to the end of the next batch's sync (``FsyncTimeline``).
    public var arrivalWaitMicroseconds: Percentiles

    enum CodingKeys: String, CodingKey {
        case seconds, recordBytes = "record_bytes", syncs, syncsPerSecond = "syncs_per_second"
        case syncMicroseconds = "sync_us", arrivalWaitMicroseconds = "arrival_wait_us"
    }
}
