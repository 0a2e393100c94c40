/// The group-commit decisions of the log, as a plain state machine (no I/O, no locks).
///
/// Appends are framed here, in LSN order, into the pending batch; the flusher takes the whole
/// batch at once (`takeBatch`), writes it with one `write` and one `fdatasync`, and reports
/// back (`complete`). Records appended while a batch is being flushed form the next batch.
struct GroupCommitState {
    /// Bytes bound for one segment file.
    struct Chunk {
        var segmentFirstLSN: UInt64
        var bytes: [UInt8]
    }

    /// A batch for the flusher.
    struct Batch {
        var chunks: [Chunk]
        var records: [LogRecord]
        var lastLSN: UInt64
        var recordCount: Int
    }

    struct Waiter {
        /// How a waiter learns its record's outcome: a suspended task, or a callback run on the
        /// flusher's thread (it must be quick and must not block).
        enum Resumption {
            case continuation(CheckedContinuation<Void, any Error>)
            case callback(@Sendable (LogError?) -> Void)
        }

        var lsn: UInt64
        var resumption: Resumption

        func resume(_ error: LogError?) {
            switch resumption {
            case .continuation(let continuation):
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            case .callback(let callback):
                callback(error)
            }
        }
    }

    let maxSegmentBytes: Int
    let keepsRecords: Bool
    private(set) var nextLSN: UInt64
    private(set) var durableLSN: UInt64
    /// Every record up to this LSN has been fdatasynced (not only written).
    private(set) var syncedLSN: UInt64
    /// A caller waits for an fdatasync through this LSN (``RecordLog/syncNow()``).
    private(set) var syncRequestedThrough: UInt64 = 0
    private(set) var failure: LogError?
    private(set) var isClosing = false
    /// The first LSN of every segment, oldest first; the last one is being appended to.
    private(set) var segments: [UInt64]
    private var lastCRC: UInt32
    private var segmentBytes: Int
    private var chunks: [Chunk] = []
    private var records: [LogRecord] = []
    private var pendingCount = 0
    private var waiters: [Waiter] = []
    /// Records the commit handler refused, by LSN (rare; the newest 1,024 are remembered so a
    /// waiter that arrives after its batch still learns the outcome).
    private var rejected: [UInt64: String] = [:]
    private var rejectedOrder: [UInt64] = []

    init(nextLSN: UInt64, lastCRC: UInt32, segments: [UInt64], segmentBytes: Int, maxSegmentBytes: Int, keepsRecords: Bool) {
        self.nextLSN = nextLSN
        self.durableLSN = nextLSN - 1
        self.syncedLSN = nextLSN - 1
        self.lastCRC = lastCRC
        self.segments = segments
        self.segmentBytes = segmentBytes
        self.maxSegmentBytes = maxSegmentBytes
        self.keepsRecords = keepsRecords
    }

    var hasPending: Bool { pendingCount > 0 }

    /// Whether the flusher owes an fdatasync to a ``RecordLog/syncNow()`` caller.
    var syncIsRequested: Bool { syncRequestedThrough > syncedLSN }

    /// Asks for everything appended so far to be fdatasynced; returns the LSN to wait for.
    mutating func requestSync() -> UInt64 {
        syncRequestedThrough = max(syncRequestedThrough, nextLSN - 1)
        return syncRequestedThrough
    }

    /// Notes an fdatasync that covered everything written through `lsn`.
    mutating func synced(through lsn: UInt64) { syncedLSN = max(syncedLSN, lsn) }

    /// Frames one record into the pending batch and gives it the next LSN.
    /// With `newSegment`, the record opens a new segment (unless the active one holds no record
    /// yet), so that every record before it lies in older segments (retention and erasure).
    mutating func enqueue(type: UInt8, payload: UnsafeRawBufferPointer, newSegment: Bool = false) throws(LogError) -> UInt64 {
        if let failure { throw failure }
        if isClosing { throw .closed }
        guard payload.count <= SegmentFormat.maxPayload else { throw .payloadTooLarge(payload.count) }
        let lsn = nextLSN
        let frameSize = SegmentFormat.frameSize(payloadCount: payload.count)
        if segmentBytes > SegmentFormat.headerSize && (newSegment || segmentBytes + frameSize > maxSegmentBytes) {
            // Cut a new segment named by this record's LSN; its CRC chain starts at its header.
            segments.append(lsn)
            let header = SegmentFormat.header(firstLSN: lsn)
            lastCRC = header.withUnsafeBytes { $0.littleEndian(at: 28) }
            segmentBytes = SegmentFormat.headerSize
            chunks.append(Chunk(segmentFirstLSN: lsn, bytes: []))
        } else if chunks.isEmpty {
            chunks.append(Chunk(segmentFirstLSN: segments[segments.count - 1], bytes: []))
        }
        lastCRC = SegmentFormat.appendFrame(
            to: &chunks[chunks.count - 1].bytes, previousCRC: lastCRC, type: type, lsn: lsn, payload: payload)
        if keepsRecords { records.append(LogRecord(lsn: lsn, type: type, payload: Array(payload))) }
        segmentBytes += frameSize
        pendingCount += 1
        nextLSN += 1
        return lsn
    }

    /// Takes everything pending, or nothing when there is nothing.
    mutating func takeBatch() -> Batch? {
        guard pendingCount > 0 else { return nil }
        defer {
            chunks = []
            records = []
            pendingCount = 0
        }
        return Batch(chunks: chunks, records: records, lastLSN: nextLSN - 1, recordCount: pendingCount)
    }

    /// Registers a waiter; returns `false` when it is already settled (resume it now with
    /// ``outcome(of:)``).
    mutating func addWaiter(_ waiter: Waiter) -> Bool {
        guard failure == nil, waiter.lsn > durableLSN else { return false }
        waiters.append(waiter)
        return true
    }

    /// How a settled record ended: `nil` for success, else the error its waiter gets.
    func outcome(of lsn: UInt64) -> LogError? {
        if let reason = rejected[lsn] { return .rejected(lsn: lsn, reason: reason) }
        if lsn > durableLSN { return failure }
        return nil
    }

    /// Marks everything through `lsn` durable, except the records the commit handler refused;
    /// returns the waiters to resume, each with its outcome.
    mutating func complete(through lsn: UInt64, rejecting refused: [UInt64: String] = [:]) -> [(Waiter, LogError?)] {
        durableLSN = max(durableLSN, lsn)
        for (lsn, reason) in refused.sorted(by: { $0.key < $1.key }) {
            rejected[lsn] = reason
            rejectedOrder.append(lsn)
        }
        if rejectedOrder.count > 1024 {
            for old in rejectedOrder.prefix(rejectedOrder.count - 1024) { rejected[old] = nil }
            rejectedOrder.removeFirst(rejectedOrder.count - 1024)
        }
        guard !waiters.isEmpty else { return [] }
        var ready: [(Waiter, LogError?)] = []
        var rest: [Waiter] = []
        for waiter in waiters {
            if waiter.lsn <= durableLSN { ready.append((waiter, outcome(of: waiter.lsn))) } else { rest.append(waiter) }
        }
        waiters = rest
        return ready
    }

    /// Records a write or fsync failure; returns every waiter (all will be failed).
    mutating func fail(_ error: LogError) -> [Waiter] {
        if failure == nil { failure = error }
        defer { waiters = [] }
        return waiters
    }

    mutating func beginClosing() { isClosing = true }

    mutating func removeSegments(_ firstLSNs: Set<UInt64>) {
        segments.removeAll { firstLSNs.contains($0) }
    }
}
