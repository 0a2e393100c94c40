import Foundation

/// Runs blocking work (file I/O, compressing a snapshot) on a thread of its own, so that it
/// never occupies one of the few threads of Swift's cooperative pool.
public enum OffloadedWork {
    public static func run<T: Sendable>(name: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
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
