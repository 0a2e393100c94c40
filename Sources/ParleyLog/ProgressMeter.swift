/// How far a long operation has come (log replay, restore, verify, seeding): work done in
/// records (or messages) and bytes, against a known total of either, with the rate and the
/// time left. A plain value fed with readings; whoever holds it decides where the line goes
/// (a terminal's status line, a log line). It answers ``update(records:bytes:now:)`` with a
/// reading at most once per `interval`, so a caller can feed it every record.
public struct ProgressMeter: Sendable {
    public struct Reading: Sendable, Equatable {
        public var records: Int
        public var bytes: Int
        public var totalBytes: Int?
        public var elapsed: Duration
        /// Done, from 0 to 1, when a total is known.
        public var fraction: Double?
        public var recordsPerSecond: Double
        public var bytesPerSecond: Double
        /// Time left at the rate so far, when a total is known and some work is done.
        public var remaining: Duration?
    }

    public let totalRecords: Int?
    public let totalBytes: Int?
    public let interval: Duration
    let started: ContinuousClock.Instant
    var lastReport: ContinuousClock.Instant
    /// Bytes done before the meter started (a replay that begins inside a segment).
    let baseBytes: Int
    public private(set) var records = 0
    public private(set) var bytes = 0

    public init(
        totalRecords: Int? = nil, totalBytes: Int? = nil, startingAtBytes: Int = 0, interval: Duration = .milliseconds(200),
        now: ContinuousClock.Instant = .now
    ) {
        self.totalRecords = totalRecords
        self.totalBytes = totalBytes
        self.interval = interval
        self.started = now
        self.lastReport = now
        self.baseBytes = startingAtBytes
        self.bytes = startingAtBytes
    }

    /// Records and bytes done so far (cumulative); a reading when `interval` has passed since the
    /// last one, else `nil`.
    public mutating func update(records: Int, bytes: Int? = nil, now: ContinuousClock.Instant = .now) -> Reading? {
        self.records = records
        if let bytes { self.bytes = bytes }
        guard now - lastReport >= interval else { return nil }
        lastReport = now
        return reading(now: now)
    }

    public func reading(now: ContinuousClock.Instant = .now) -> Reading {
        let elapsed = now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let recordRate = seconds > 0 ? Double(records) / seconds : 0
        let byteRate = seconds > 0 ? Double(bytes - baseBytes) / seconds : 0
        var fraction: Double?
        var remaining: Duration?
        if let totalBytes, totalBytes > 0 {
            fraction = min(1, Double(bytes) / Double(totalBytes))
            if byteRate > 0 { remaining = .milliseconds(Int64(Double(max(0, totalBytes - bytes)) / byteRate * 1000)) }
        } else if let totalRecords, totalRecords > 0 {
            fraction = min(1, Double(records) / Double(totalRecords))
            if recordRate > 0 { remaining = .milliseconds(Int64(Double(max(0, totalRecords - records)) / recordRate * 1000)) }
        }
        return Reading(
            records: records, bytes: bytes, totalBytes: totalBytes, elapsed: elapsed, fraction: fraction, recordsPerSecond: recordRate, bytesPerSecond: byteRate,
            remaining: remaining)
    }
}

extension ProgressMeter.Reading {
    /// `"replay: 42% 120,000 records (8,100/s), 12.0 of 28.6 MB (4.1 MB/s), 4 s left"`.
    public func line(_ label: String, unit: String = "records") -> String {
        var parts: [String] = []
        if let fraction { parts.append("\(Int((fraction * 100).rounded(.down)))%") }
        parts.append("\(Self.grouped(records)) \(unit) (\(Self.grouped(Int(recordsPerSecond.rounded())))/s)")
        if bytes > 0 {
            let of = totalBytes.map { " of \(Self.megabytes($0))" } ?? ""
            parts.append("\(Self.megabytes(bytes))\(of) MB (\(Self.megabytes(Int(bytesPerSecond))) MB/s)")
        }
        if let remaining { parts.append("\(Self.clock(remaining)) left") }
        return "\(label): " + parts.joined(separator: ", ")
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    static func megabytes(_ bytes: Int) -> String {
        let tenths = (bytes * 10 + 500_000) / 1_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `4 s`, `2 min 05 s`, `1 h 02 min`.
    static func clock(_ duration: Duration) -> String {
        let seconds = max(0, Int(duration.components.seconds) + (duration.components.attoseconds > 0 ? 1 : 0))
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min \(String(format2: seconds % 60)) s" }
        return "\(seconds / 3600) h \(String(format2: seconds % 3600 / 60)) min"
    }
}

extension String {
    fileprivate init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}
