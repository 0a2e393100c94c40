import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Names the calling thread as `top -H`, `perf` and `/proc/<pid>/task/*/comm` show it.
///
/// Foundation's `Thread.name` does not do this reliably on Linux: set before `start()` it is
/// never applied, set by the thread itself it is applied only when the starting thread has
/// already recorded the new thread's handle (a race, which a parallel test run lost), and a name
/// over 15 bytes is dropped (pthread_setname_np(3)). The thread therefore writes its own
/// `/proc/thread-self/comm` (proc(5): a thread may set its own name there), which is what
/// pthread_setname_np does and which Swift cannot call (a GNU extension Glibc's module hides).
public enum ThreadName {
    public static let maximumLength = 15

    /// Call first thing in the thread's body; `name` at most ``maximumLength`` UTF-8 bytes.
    public static func apply(_ name: String) {
        assert(name.utf8.count <= maximumLength, "thread name \(name) is longer than \(maximumLength) bytes")
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(maximumLength))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        #else
        Thread.current.name = name
        #endif
    }
}
