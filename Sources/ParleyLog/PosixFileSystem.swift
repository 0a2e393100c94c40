#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real disk, through POSIX calls (`write`, `fdatasync`, `rename`, directory `fsync`).
public struct PosixFileSystem: FileSystem {
    public init() {}

    public func contentsOfDirectory(_ directory: String) throws -> [String] {
        guard let handle = opendir(directory) else { throw Self.error("opendir", directory) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw Self.error("mkdir", prefix) }
            prefix += "/"
        }
    }

    public func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public func readFile(_ path: String) throws -> [UInt8] {
        try readPrefix(path, count: .max).bytes
    }

    public func readPrefix(_ path: String, count: Int) throws -> (bytes: [UInt8], fileSize: Int) {
        try read(path, offset: 0, count: count)
    }

    public func read(_ path: String, offset: Int, count: Int) throws -> (bytes: [UInt8], fileSize: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.error("open", path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Self.error("fstat", path) }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: max(0, min(count, size - offset)))
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < buffer.count {
                let got = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    if got == 0 { break }
                    throw Self.error("pread", path)
                }
                done += got
            }
        }
        return (Array(bytes.prefix(done)), size)
    }

    public func openForAppending(_ path: String, at offset: Int?) throws -> any AppendableFile {
        // Not O_APPEND: appends go to the file's own position (``PosixAppendableFile``), which
        // may lie before the end when a reservation made the file longer.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.error("open", path) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            close(descriptor)
            throw Self.error("fstat", path)
        }
        let length = Int(info.st_size)
        return PosixAppendableFile(descriptor: descriptor, path: path, size: min(offset ?? length, length), length: length)
    }

    public func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw Self.error("rename", "\(from) → \(to)") }
    }

    public func removeFile(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw Self.error("unlink", path) }
    }

    public func truncateFile(_ path: String, to size: Int) throws {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.error("open", path) }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw Self.error("ftruncate", path) }
        guard fsync(descriptor) == 0 else { throw Self.error("fsync", path) }
    }

    public func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.error("open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.error("fsync", path) }
    }

    public func bootIdentifier() -> String? {
        // A /proc file reports size 0: read up to what a boot id takes.
        let descriptor = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes.prefix(count).filter { $0 > 0x20 }, as: UTF8.self)
        return text.isEmpty ? nil : text
    }

    static func error(_ operation: String, _ path: String) -> FileSystemError {
        let code = errno
        return FileSystemError(operation: operation, path: path, code: code, reason: String(cString: strerror(code)))
    }
}

/// A descriptor written at its own position with `pwrite`: at the end of the file, or before
/// it, over the zeros of a reservation. Owned by one thread at a time (the log's flusher, or a
/// snapshot writer).
final class PosixAppendableFile: AppendableFile {
    private let descriptor: Int32
    private let path: String
    private(set) var size: Int
    /// The file's length: `size`, or more after a reservation.
    private var length: Int

    init(descriptor: Int32, path: String, size: Int, length: Int) {
        self.descriptor = descriptor
        self.path = path
        self.size = size
        self.length = length
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(size + done))
            if count < 0 {
                if errno == EINTR { continue }
                throw PosixFileSystem.error("write", path)
            }
            done += count
        }
        size += done
        length = max(length, size)
    }

    func reserve(_ length: Int) throws {
        guard length > self.length else { return }
        // posix_fallocate returns the error rather than setting errno; glibc writes zeros
        // itself on a file system without fallocate.
        let result = posix_fallocate(descriptor, 0, off_t(length))
        guard result == 0 else {
            errno = result
            throw PosixFileSystem.error("fallocate", path)
        }
        self.length = length
    }

    func sync() throws {
        #if canImport(Glibc)
        let result = fdatasync(descriptor)
        #else
        let result = fsync(descriptor)
        #endif
        guard result == 0 else { throw PosixFileSystem.error("fdatasync", path) }
    }

    func close() throws {
        guard Glibc.close(descriptor) == 0 else { throw PosixFileSystem.error("close", path) }
    }
}
