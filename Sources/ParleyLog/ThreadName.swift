import Foundation

/// Names the calling thread as `top -H`, `perf` and `/proc/<pid>/task/*/comm` show it.
///
/// Linux applies a thread's name only when the thread sets it itself, and only up to 15 bytes
/// (pthread_setname_np(3)): Foundation's `Thread.name`, set before `start()` or longer than
/// that, leaves the name the thread inherited (a dispatch worker's `com.apple.root…`), which
/// is how the log's flusher looked in profiles until this existed.
public enum ThreadName {
    public static let maximumLength = 15

    /// Call first thing in the thread's body; `name` at most ``maximumLength`` UTF-8 bytes.
    public static func apply(_ name: String) {
        assert(name.utf8.count <= maximumLength, "thread name \(name) is longer than \(maximumLength) bytes")
        Thread.current.name = name
    }
}
