import Foundation

/// Runs blocking work (file I/O, compressing a snapshot) on a thread of its own, so that it
/// never occupies one of the few threads of Swift's cooperative pool.
public enum OffloadedWork {
    /// `lowPriority` runs it at the lowest CPU priority (nice 19 for this thread alone), for
    /// background work the message path must not wait behind (history compaction).
    public static func run<T: Sendable>(
        name: String, lowPriority: Bool = false, _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                #if os(Linux)
                // On Linux the nice value is per thread, and `who` 0 is the calling thread
                // (setpriority(2), "NOTES"): this thread alone drops to the lowest priority.
                if lowPriority { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19) }
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
