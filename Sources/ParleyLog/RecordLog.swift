import Foundation
public import Logging
import Metrics

/// A segmented, append-only record log with group commit.
///
/// ```swift
/// let (log, _) = try RecordLog.open(RecordLog.Configuration(directory: "data/wal"))
/// let lsn = try log.append(type: 1, payload: bytes)   // ordered: call from the single writer
/// try await log.waitUntilDurable(lsn)                  // acknowledged after this returns
/// ```
///
/// `append` is synchronous so that a caller's records get LSNs in the order it appends them;
/// `waitUntilDurable` suspends until the flusher thread has written (and, under
/// ``FsyncPolicy/always``, fdatasynced) the batch holding the record. Before waiters resume,
/// the optional commit handler sees every record of the batch in LSN order; a record it
/// refuses (returns with a reason) fails its waiter with ``LogError/rejected(lsn:reason:)``.
public final class RecordLog: Sendable {
    /// Where the log lives and how it syncs.
    public struct Configuration: Sendable {
        public var directory: String
        public var fsync: FsyncPolicy
        /// Under ``FsyncPolicy/always``, the least time between the starts of two syncs
        /// (``SyncPacer``); zero syncs each batch at once.
        public var commitDelay: Duration
        /// A segment is cut once it would grow past this many bytes (default 64 MiB).
        public var segmentBytes: Int
        public var fileSystem: any FileSystem
        /// The LSN of the first record when the directory holds no segment yet.
        public var initialLSN: UInt64

        public init(
            directory: String, fsync: FsyncPolicy = .always, commitDelay: Duration = .zero, segmentBytes: Int = 64 << 20,
            fileSystem: any FileSystem = PosixFileSystem(), initialLSN: UInt64 = 1
        ) {
            self.directory = directory
            self.fsync = fsync
            self.commitDelay = commitDelay
            self.segmentBytes = segmentBytes
            self.fileSystem = fileSystem
            self.initialLSN = initialLSN
        }
    }

    /// What opening found and did.
    public struct OpenReport: Sendable {
        public var segmentCount: Int
        /// The LSN of the oldest record still in the log (or of the next record when it is empty).
        public var firstLSN: UInt64
        public var nextLSN: UInt64
        public var replayedRecords: Int
        /// A torn tail that was cut off the last segment.
        public var repair: Repair?
    }

    /// A cut tail: the file, where it was cut, and where the cut bytes were kept.
    public struct Repair: Sendable, CustomStringConvertible {
        public var file: String
        public var offset: Int
        public var reason: String
        public var brokenFile: String
        public var bytesCut: Int
        public var description: String {
            "cut \(bytesCut) bytes off \(file) at offset \(offset) (\(reason)); kept in \(brokenFile)"
        }
    }

    private let configuration: Configuration
    private let shared: SharedState
    private let logger: Logger
    private let metrics: LogMetrics

    private init(configuration: Configuration, shared: SharedState, logger: Logger) {
        self.configuration = configuration
        self.shared = shared
        self.logger = logger
        self.metrics = LogMetrics()
    }

    /// Opens (or creates) the log in `configuration.directory`, checking every segment.
    ///
    /// Records at or after `replayFrom` are handed to `replay` in order while the segments are
    /// checked. A damaged tail of the last segment is cut off (the bytes are kept in a
    /// `.broken` file); damage anywhere else throws a ``LogError`` that names file and offset.
    /// With `removingSegmentsBelow` (a snapshot's LSN + 1), segments holding only older records
    /// are removed first: what an interrupted ``removeSegments(whollyBelow:)`` left.
    public static func open(
        _ configuration: Configuration,
        logger: Logger = Logger(label: "parley.log"),
        replayFrom: UInt64 = .max,
        removingSegmentsBelow coveredBelow: UInt64? = nil,
        replay: (LogRecordView) throws -> Void = { _ in },
        onCommit: (@Sendable ([LogRecord]) -> [UInt64: String])? = nil,
        onFatalError: @escaping @Sendable (LogError) -> Void = { _ in }
    ) throws -> (RecordLog, OpenReport) {
        let fs = configuration.fileSystem
        let directory = configuration.directory
        try fs.createDirectoryDurably(directory)
        let recovery = try LogRecovery.recover(
            fileSystem: fs, directory: directory, initialLSN: configuration.initialLSN, logger: logger,
            replayFrom: replayFrom, coveredBelow: coveredBelow, replay: replay)
        let writer: SegmentWriter
        if let tail = recovery.tail {
            // From the last valid frame on: past it lie only the zeros of the reserved space.
            let file = try fs.openForAppending(joinPath(directory, SegmentFormat.fileName(firstLSN: tail.firstLSN)), at: tail.validEnd)
            // What the scan read may be only in the page cache (a process killed between write
            // and fdatasync): make it durable, and the segment's name with it, before anything
            // is served or deduplicated from it (issue 15, defect 2).
            try file.sync()
            try fs.syncDirectory(directory)
            writer = SegmentWriter(
                fileSystem: fs, directory: directory, maxSegmentBytes: configuration.segmentBytes, firstLSN: tail.firstLSN, file: file)
        } else {
            writer = try SegmentWriter.create(
                fileSystem: fs, directory: directory, maxSegmentBytes: configuration.segmentBytes, firstLSN: recovery.nextLSN)
        }
        var segments = recovery.segments
        if recovery.tail == nil { segments.append(recovery.nextLSN) }
        let state = GroupCommitState(
            nextLSN: recovery.nextLSN, lastCRC: recovery.tail?.lastCRC ?? Self.headerCRC(recovery.nextLSN),
            segments: segments, segmentBytes: recovery.tail?.validEnd ?? SegmentFormat.headerSize,
            maxSegmentBytes: configuration.segmentBytes, keepsRecords: onCommit != nil)
        let shared = SharedState(state: state, writer: writer)
        let log = RecordLog(configuration: configuration, shared: shared, logger: logger)
        Flusher.start(
            shared: shared, policy: configuration.fsync, commitDelay: configuration.commitDelay, metrics: log.metrics,
            logger: logger, onCommit: onCommit, onFatalError: onFatalError)
        let report = OpenReport(
            segmentCount: segments.count, firstLSN: recovery.firstLSN, nextLSN: recovery.nextLSN,
            replayedRecords: recovery.replayedRecords, repair: recovery.repair)
        return (log, report)
    }

    private static func headerCRC(_ lsn: UInt64) -> UInt32 {
        SegmentFormat.header(firstLSN: lsn).withUnsafeBytes { $0.littleEndian(at: 28) }
    }

    /// Queues one record and returns its LSN. Records are framed in the order of these calls.
    /// With `startingNewSegment`, the record is the first of a new segment (see
    /// ``GroupCommitState``), so deleting the segments below it deletes every older record.
    public func append(type: UInt8, payload: UnsafeRawBufferPointer, startingNewSegment: Bool = false) throws(LogError) -> UInt64 {
        precondition(type != 0, "record type 0 is reserved")
        let lsn = try shared.enqueue { state throws(LogError) in
            try state.enqueue(type: type, payload: payload, newSegment: startingNewSegment)
        }
        metrics.appends.increment()
        return lsn
    }

    public func append(type: UInt8, payload: [UInt8], startingNewSegment: Bool = false) throws(LogError) -> UInt64 {
        do {
            return try payload.withUnsafeBytes { try append(type: type, payload: $0, startingNewSegment: startingNewSegment) }
        } catch let error as LogError {
            throw error
        } catch {
            throw .failed("\(error)")
        }
    }

    /// Returns once the record with `lsn` (and every one before it) is durable under the policy.
    public func waitUntilDurable(_ lsn: UInt64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            addWaiter(.init(lsn: lsn, resumption: .continuation(continuation)))
        }
    }

    /// Calls `outcome` once the record with `lsn` (and every one before it) is durable under the
    /// policy, with `nil`, or with the error that stopped it: at once when it already is, else
    /// on the flusher's thread after the batch's commit handler, in the order of these calls for
    /// records of one batch. No task waits meanwhile; `outcome` must be quick and never block.
    public func whenDurable(_ lsn: UInt64, _ outcome: @escaping @Sendable (LogError?) -> Void) {
        addWaiter(.init(lsn: lsn, resumption: .callback(outcome)))
    }

    private func addWaiter(_ waiter: GroupCommitState.Waiter) {
        let (queued, failure) = shared.withLock { state in (state.addWaiter(waiter), state.outcome(of: waiter.lsn)) }
        if !queued { waiter.resume(failure) }
    }

    /// Appends and waits: the record is durable when this returns.
    public func appendAndWait(type: UInt8, payload: [UInt8]) async throws -> UInt64 {
        let lsn = try append(type: type, payload: payload)
        try await waitUntilDurable(lsn)
        return lsn
    }

    /// Blocks until every record appended before the call is fdatasynced, whatever the policy
    /// (a snapshot calls this first, so the log never ends before a snapshot's LSN).
    public func syncNow() throws(LogError) {
        shared.signal()
        try shared.waitUntilSynced()
    }

    /// The LSN the next appended record gets.
    public var nextLSN: UInt64 { shared.withLock { $0.nextLSN } }

    /// Every record up to this LSN is durable (written, and synced as the policy says).
    public var durableLSN: UInt64 { shared.withLock { $0.durableLSN } }

    /// Running totals of records, batches and fsyncs.
    public var statistics: LogStatistics { metrics.statistics }

    /// The failure that stopped the log, if one did.
    public var failure: LogError? { shared.withLock { $0.failure } }

    /// Deletes every segment whose records all have LSNs below `lsn`; never the active one.
    /// Returns the names of the deleted files.
    @discardableResult
    public func removeSegments(whollyBelow lsn: UInt64) throws -> [String] {
        let segments = shared.withLock { $0.segments }
        var doomed: [UInt64] = []
        for index in 0..<(segments.count - 1) where segments[index + 1] <= lsn { doomed.append(segments[index]) }
        guard !doomed.isEmpty else { return [] }
        // Oldest first, and forgotten only once unlinked: a failed unlink leaves the segments
        // from it on in place and in the list, so the next call tries them again (and a start
        // in between finishes the job: `LogRecovery`).
        var removed: [UInt64] = []
        defer { shared.withLock { $0.removeSegments(Set(removed)) } }
        for first in doomed {
            try configuration.fileSystem.removeFile(joinPath(configuration.directory, SegmentFormat.fileName(firstLSN: first)))
            removed.append(first)
        }
        let names = removed.map { SegmentFormat.fileName(firstLSN: $0) }
        try configuration.fileSystem.syncDirectory(configuration.directory)
        logger.info("removed log segments", metadata: ["parley.segments": "\(names.count)", "parley.below_lsn": "\(lsn)"])
        return names
    }

    /// Flushes everything queued, syncs and closes the active segment, and stops the flusher.
    /// Appends after this throw ``LogError/closed``.
    public func close() {
        shared.withLock { $0.beginClosing() }
        shared.signal()
        shared.waitUntilFlusherExits()
    }
}
