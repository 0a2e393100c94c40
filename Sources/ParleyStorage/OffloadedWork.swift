import Foundation
import ParleyLog

/// Runs blocking work (file I/O, compressing a snapshot) on a thread of its own, so that it
/// never occupies one of the few threads of Swift's cooperative pool.
public enum OffloadedWork {
    /// The CPU priority of the work's thread (Linux; elsewhere every thread runs as `normal`).
    public enum Priority: Sendable {
        case normal
        /// Nice 19, for this thread alone: it gets a small share of a busy core (about 1.5 %
        /// beside one thread at nice 0), never none, so it always finishes.
        case background
        /// The idle scheduling class as well (SCHED_IDLE, sched(7)): it runs only when the core
        /// has nothing else to run, and is preempted at once when a server thread wakes. On a
        /// core that stays busy it makes no progress at all.
        case idle
    }

    /// Runs `work` on a thread of its own named `name` (at most 15 bytes, ``ThreadName``) at `priority`: `idle` for background work the message
    /// path must not wait behind and that may wait for a quiet core (history compaction and the
    /// rest of the maintenance run), `background` for work that must finish even on a core that
    /// never goes quiet (the scheduled snapshot, the scrub snapshot after an erasure).
    public static func run<T: Sendable>(
        name: String, priority: Priority = .normal, _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                ThreadName.apply(name)
                #if os(Linux)
                // On Linux the nice value is per thread, and `who` 0 is the calling thread
                // (setpriority(2), "NOTES"): this thread alone drops to the lowest priority.
                if priority != .normal {
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                }
                if priority == .idle {
                    // A nice-19 thread still holds its core until the scheduler's granularity
                    // runs out when a server thread wakes, which showed as +1.4 ms p99 on a
                    // shared core; an idle-class one is preempted at once. Lowering one's own
                    // policy needs no privilege (raising it back would).
                    var parameters = sched_param(sched_priority: 0)
                    _ = sched_setscheduler(0, 5, &parameters)
                }
                #endif
                do {
                    continuation.resume(returning: try work())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }
}
