/// The few file operations the log and the snapshots need, behind a seam so that tests can
/// replace the disk with one that simulates crashes (`CrashSimulatingFileSystem`).
///
/// Paths are plain strings; a directory's entries are bare names.
public protocol FileSystem: Sendable {
    /// The names in `directory` (not recursive). Throws when it does not exist.
    func contentsOfDirectory(_ directory: String) throws -> [String]
    func createDirectory(_ path: String) throws
    func fileExists(_ path: String) -> Bool
    /// The whole content of a file.
    func readFile(_ path: String) throws -> [UInt8]
    /// At most the first `count` bytes of a file, and the file's size.
    func readPrefix(_ path: String, count: Int) throws -> (bytes: [UInt8], fileSize: Int)
    /// At most `count` bytes from `offset` on (fewer at the end of the file), and the file's size.
    func read(_ path: String, offset: Int, count: Int) throws -> (bytes: [UInt8], fileSize: Int)
    /// Opens `path` for appending, creating it (empty) when it is missing: at its end, or with
    /// `offset`, from there on, over the zeros a reservation left (``AppendableFile/reserve(_:)``;
    /// every byte from `offset` to the end must be zero).
    func openForAppending(_ path: String, at offset: Int?) throws -> any AppendableFile
    /// Atomically replaces `to` with `from`. Durable once the directory is synced.
    func rename(_ from: String, to: String) throws
    func removeFile(_ path: String) throws
    /// Cuts a file to `size` bytes and makes that durable.
    func truncateFile(_ path: String, to size: Int) throws
    /// Makes the directory's entries (creates, renames, removes) durable.
    func syncDirectory(_ path: String) throws
    /// Names the boot whose page cache this process sees (Linux's `boot_id`), or `nil` when
    /// unknown. After a failed fsync the cache may hold bytes that never reach the disk; a new
    /// boot is how the start-up check knows they are gone (see ``FsyncFailureMarker``).
    func bootIdentifier() -> String?
}

extension FileSystem {
    public func bootIdentifier() -> String? { nil }

    /// Reads the whole file and slices it: right for small files and simulated disks.
    public func read(_ path: String, offset: Int, count: Int) throws -> (bytes: [UInt8], fileSize: Int) {
        let all = try readFile(path)
        let start = min(max(offset, 0), all.count)
        return (Array(all[start..<min(all.count, start + max(count, 0))]), all.count)
    }

    /// Creates `path` and any missing parent, fsyncing each new directory's parent so that the
    /// directory itself survives a power loss (a file synced into a directory whose own entry
    /// was never synced can vanish with it).
    public func createDirectoryDurably(_ path: String) throws {
        var missing: [String] = []
        var current = path
        while !current.isEmpty, current != "/", !fileExists(current) {
            missing.append(current)
            guard let slash = current.lastIndex(of: "/") else {
                current = ""
                break
            }
            current = slash == current.startIndex ? "/" : String(current[..<slash])
        }
        guard !missing.isEmpty else { return }
        try createDirectory(path)
        for directory in missing.reversed() { try syncDirectory(parentDirectory(of: directory)) }
    }
}

/// A file open for appending. Used by one thread at a time.
public protocol AppendableFile: AnyObject {
    /// Where the next append goes: the bytes appended (including those not yet synced), past
    /// which the file holds only the zeros of a reservation, if any.
    var size: Int { get }
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes the file at least `length` bytes long, the new bytes zeros with their blocks
    /// allocated (`posix_fallocate`), without moving where appends go. Appends inside that
    /// length then change neither the file's length nor its allocation, so `sync()` writes the
    /// data alone. The new length is durable with the next `sync()`.
    func reserve(_ length: Int) throws
    /// `fdatasync`: every byte appended so far is durable when this returns.
    func sync() throws
    func close() throws
}

extension FileSystem {
    /// Opens `path` for appending at its end, creating it (empty) when it is missing.
    public func openForAppending(_ path: String) throws -> any AppendableFile {
        try openForAppending(path, at: nil)
    }
}

extension AppendableFile {
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }
}

/// The directory holding `path` (`.` for a bare name, `/` for a top-level one).
public func parentDirectory(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "." }
    return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
}

/// Joins a directory and a name.
@inlinable
public func joinPath(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
