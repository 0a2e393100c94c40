#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `<data dir>/LOCK`: one process at a time owns a data directory.
/// The kernel drops it when the process dies, so a `kill -9` leaves no stale lock.
public final class DataDirectoryLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock or throws ``StorageError`` saying the directory is in use.
    public init(directory: String) throws {
        path = directory.hasSuffix("/") ? directory + "LOCK" : directory + "/LOCK"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StorageError.io("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw StorageError.locked(directory)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
