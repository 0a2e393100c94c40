import Foundation
import ParleyLog
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A ``ProgressMeter`` drawn as one status line on standard error (rewritten in place), only when
/// standard error is a terminal: piped or redirected, it prints nothing. Safe to feed from
/// several tasks at once.
final class TerminalProgress: Sendable {
    private struct State {
        var meter: ProgressMeter
        var drawn = false
        var records = 0
    }

    private let state: Mutex<State>
    private let label: String
    private let unit: String
    let enabled: Bool

    init(_ label: String, unit: String = "records", totalRecords: Int? = nil, totalBytes: Int? = nil, startingAtBytes: Int = 0) {
        self.label = label
        self.unit = unit
        self.enabled = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        state = Mutex(State(meter: ProgressMeter(totalRecords: totalRecords, totalBytes: totalBytes, startingAtBytes: startingAtBytes)))
    }

    /// The records (and bytes) done so far.
    func update(records: Int, bytes: Int? = nil) {
        guard enabled else { return }
        state.withLock { state in
            state.records = records
            guard let reading = state.meter.update(records: records, bytes: bytes) else { return }
            Self.draw(reading.line(label, unit: unit))
            state.drawn = true
        }
    }

    /// One more record done.
    func advance() {
        guard enabled else { return }
        state.withLock { state in
            state.records += 1
            guard let reading = state.meter.update(records: state.records) else { return }
            Self.draw(reading.line(label, unit: unit))
            state.drawn = true
        }
    }

    /// Clears the status line (the command prints its own summary).
    func finish() {
        guard enabled else { return }
        state.withLock { state in
            if state.drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            state.drawn = false
        }
    }

    private static func draw(_ line: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }
}
