import Foundation

/// Runs blocking work (file I/O, compressing a snapshot) on a thread of its own, so that it
/// never occupies one of the few threads of Swift's cooperative pool.
public enum OffloadedWork {
    /// `lowPriority` runs it at the lowest CPU priority (the idle scheduling class at nice 19,
    /// for this thread alone), for background work the message path must not wait behind
    /// (history compaction and the rest of the maintenance run).
    public static func run<T: Sendable>(
        name: String, lowPriority: Bool = false, _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                #if os(Linux)
                // On Linux the nice value is per thread, and `who` 0 is the calling thread
                // (setpriority(2), "NOTES"): this thread alone drops to the lowest priority.
                if lowPriority {
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                    // And SCHED_IDLE (5, sched(7)): a nice-19 thread still holds its core until
                    // the scheduler's granularity runs out when a server thread wakes, which
                    // showed as +1.4 ms p99 on a shared core; an idle-class thread is preempted
                    // at once. Lowering one's own policy needs no privilege.
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
            thread.name = name
            thread.start()
        }
    }
}
