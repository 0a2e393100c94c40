import Logging
import Metrics
import ParleyLog
import ParleyModel
import Synchronization

/// Holds the live ``ParleyState`` and folds each committed batch into it in LSN order, then
/// tells the observers. It runs on the log's flusher thread, before the batch's appenders
/// resume, so an acknowledged write is always visible to readers.
final class CommitApplier: Sendable {
    let state: Mutex<ParleyState>
    private let observers = Mutex<[any CommitObserver]>([])
    private let logger: Logger
    private let conversationsGauge = Gauge(label: "parley_conversations")
    private let messagesGauge = Gauge(label: "parley_messages")
    private let rejectedRecords = Counter(label: "parley_rejected_records_total")
    /// How long applying one committed batch held the state's lock (readers and the next
    /// batch wait meanwhile).
    private let applyTimer = Timer(label: "parley_state_apply_seconds")
    /// A batch that holds the lock longer than this is logged with its record types.
    static let slowApply: Duration = .milliseconds(10)

    init(logger: Logger) {
        self.state = Mutex(ParleyState())
        self.logger = logger
    }

    /// Installs the state that start-up rebuilt (before any commit can arrive).
    func install(_ rebuilt: ParleyState) {
        state.withLock { $0 = rebuilt }
        updateGauges(rebuilt)
    }

    func addObserver(_ observer: any CommitObserver) {
        observers.withLock { $0.append(observer) }
    }

    /// The log's commit handler. Returns the records the state refused, with why: their
    /// writers get an error instead of an acknowledgement (issue 15, defect 6).
    func apply(_ records: [LogRecord]) -> [UInt64: String] {
        var refused: [UInt64: String] = [:]
        var decoded: [(UInt64, DecodedRecord)] = []
        decoded.reserveCapacity(records.count)
        for record in records {
            do {
                decoded.append((record.lsn, try EventCodec.decodeRecord(type: record.type, payload: record.payload)))
            } catch {
                // Cannot happen for records this process encoded; counted and logged if it does.
                rejectedRecords.increment()
                refused[record.lsn] = "it does not decode: \(error)"
                logger.error("committed record does not decode", metadata: ["parley.lsn": "\(record.lsn)", "parley.error": "\(error)"])
            }
        }
        if refused.isEmpty { return apply(decoded: decoded) }
        return refused.merging(apply(decoded: decoded)) { first, _ in first }
    }

    /// Applies records decoded already (a cluster node's stream entries, their fill applied:
    /// docs/SCALING.md), in LSN order, then tells the observers. Returns the records the state
    /// refused, with why.
    func apply(decoded: [(UInt64, DecodedRecord)]) -> [UInt64: String] {
        var refused: [UInt64: String] = [:]
        var committed: [CommittedEvent] = []
        committed.reserveCapacity(decoded.count)
        let started = ContinuousClock.now
        let counts: (Int, Int) = state.withLock { state in
            for (lsn, record) in decoded {
                do {
                    // Observers see the effect; a claim riding with it is the HTTP layer's.
                    if try state.apply(record, lsn: lsn) { committed.append(CommittedEvent(lsn: lsn, event: record.event)) }
                } catch {
                    rejectedRecords.increment()
                    refused[lsn] = "\(error)"
                    logger.error("committed record rejected by the state", metadata: ["parley.lsn": "\(lsn)", "parley.error": "\(error)"])
                }
            }
            return (state.conversations.count, state.messageCount)
        }
        let held = ContinuousClock.now - started
        applyTimer.recordNanoseconds(held.components.seconds * 1_000_000_000 + held.components.attoseconds / 1_000_000_000)
        if held > Self.slowApply {
            let types = Set(decoded.map { $0.1.event.recordType.name }).sorted()
            logger.warning(
                "applying a commit batch held the state's lock",
                metadata: ["parley.duration": "\(held)", "parley.records": "\(decoded.count)", "parley.types": "\(types)"])
        }
        conversationsGauge.record(counts.0)
        messagesGauge.record(counts.1)
        if !committed.isEmpty {
            for observer in observers.withLock({ $0 }) { observer.didCommit(committed) }
        }
        return refused
    }

    private func updateGauges(_ state: ParleyState) {
        conversationsGauge.record(state.conversations.count)
        messagesGauge.record(state.messageCount)
    }
}
