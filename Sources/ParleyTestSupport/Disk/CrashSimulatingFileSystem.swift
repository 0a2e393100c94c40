public import ParleyLog
import Synchronization

/// An in-memory disk that loses what was not synced when it "crashes" — the test double for
/// the log's, snapshots' and blobs' durability claims.
///
/// Written bytes are held until `sync()`; directory entries (files created, renamed, removed,
/// and directories made) until the directory holding them is synced. ``crash(_:using:)``
/// either kills the process (everything written stays in the page cache, synced or not) or
/// cuts the power (only what was made durable survives, plus, by the mode, none, some whole
/// 512-byte sectors, or an arbitrary part of the unsynced bytes). It returns a view of the
/// disk for the next process: every operation of the old view, and of handles it opened,
/// fails from then on, so a dead process cannot write afterwards.
///
/// Every mutating operation (mkdir, create, write, fallocate, fdatasync, directory fsync, rename,
/// unlink, truncate) is counted and listed in ``operations``; ``arm(_:atOperation:)`` makes the n-th
/// one fail with an errno or crash the process right after it — SQLite's I/O-error and crash
/// tests, on this seam.
public final class CrashSimulatingFileSystem: FileSystem {
    /// What happens to what was written but not yet made durable.
    public enum CrashMode: CaseIterable, Sendable {
        /// Power loss: all unsynced bytes and entries are lost.
        case dropUnsynced
        /// Power loss: the unsynced bytes survive up to a random 512-byte boundary.
        case tornAtSector
        /// Power loss: each unsynced 512-byte sector survives or not on its own; lost ones read as zeros.
        case scrambledSectors
        /// Power loss: a random prefix of the unsynced bytes survives.
        case partlyKept
        /// `kill -9`: the page cache survives whole, but what was not synced is still not durable.
        case processKilled

        /// The modes that cut the power.
        public static let powerLoss: [CrashMode] = [.dropUnsynced, .tornAtSector, .scrambledSectors, .partlyKept]
    }

    /// One mutating I/O operation.
    public struct Operation: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, CaseIterable {
            case mkdir, create, write, fallocate, fdatasync, fsyncDirectory = "fsync", rename, unlink, truncate
        }

        public var kind: Kind
        public var path: String
        public var description: String { "\(kind.rawValue) \(path)" }
    }

    /// What an armed operation does.
    public enum Fault: Sendable, Equatable {
        /// The operation fails with this errno (5 EIO, 28 ENOSPC) and has no effect — except a
        /// failed `fdatasync`, whose bytes stay visible but are lost at the next power loss.
        case fail(errno: Int32)
        /// The operation happens, then the process dies: everything after it fails.
        case crash

        public static let eio = Fault.fail(errno: 5)
        public static let enospc = Fault.fail(errno: 28)
    }

    final class SharedDisk: Sendable {
        let state = Mutex(SimulatedDisk())
    }

    let shared: SharedDisk
    let generation: Int

    public init() {
        shared = SharedDisk()
        generation = 0
    }

    init(shared: SharedDisk, generation: Int) {
        self.shared = shared
        self.generation = generation
    }

    /// Runs `body` on the disk if this view's process is still alive.
    func withDisk<T>(_ operation: String, _ path: String, _ body: (inout SimulatedDisk) throws -> T) throws -> T {
        try shared.state.withLock { disk in
            guard disk.generation == generation, !disk.frozen else {
                throw FileSystemError(operation: operation, path: path, code: 5, reason: "the process crashed")
            }
            return try body(&disk)
        }
    }

    /// Runs a counted, mutating operation (see ``arm(_:atOperation:)``).
    func mutate<T>(
        _ kind: Operation.Kind, _ path: String, whenFailed: ((inout SimulatedDisk) -> Void)? = nil,
        _ body: (inout SimulatedDisk) throws -> T
    ) throws -> T {
        try withDisk(kind.rawValue, path) { disk in try disk.perform(kind, path, whenFailed: whenFailed, body) }
    }

    /// Freezes the disk right after the `writes`-th later write: from then on every operation
    /// fails as if the process had died, with that write not yet synced. Then call ``crash(_:using:)``.
    public func armCrash(afterWrites writes: Int) { shared.state.withLock { $0.writesUntilFreeze = max(1, writes) } }

    /// Arms `fault` at the mutating operation numbered `operation` (counted from 1 since the
    /// disk was made; ``operationCount`` is the number so far).
    public func arm(_ fault: Fault, atOperation operation: Int) {
        shared.state.withLock {
            $0.armed = .init(operation: operation, fault: fault)
            $0.armedFaultFired = false
        }
    }

    /// Whether the fault armed last was reached (it may have been swallowed by its caller).
    public var armedFaultFired: Bool { shared.state.withLock { $0.armedFaultFired } }

    /// The mutating operations so far, in order.
    public var operations: [Operation] { shared.state.withLock { $0.operations } }
    public var operationCount: Int { shared.state.withLock { $0.operations.count } }

    /// Whether a crash (armed either way) has frozen the disk.
    public var isFrozen: Bool { shared.state.withLock { $0.frozen } }

    /// Makes every later `sync` fail (a dying disk).
    public func setSyncFailure(_ failing: Bool) { shared.state.withLock { $0.failSyncs = failing } }

    /// Ends the current process: a kill keeps the page cache; a power loss keeps what was
    /// durable and tears the rest as `mode` says, and starts a new boot.
    public func crash(_ mode: CrashMode, using generator: inout some RandomNumberGenerator) -> CrashSimulatingFileSystem {
        shared.state.withLock { disk in
            disk.generation += 1
            disk.failSyncs = false
            disk.frozen = false
            disk.writesUntilFreeze = nil
            disk.armed = nil
            if mode != .processKilled { disk.losePower(mode, using: &generator) }
            return CrashSimulatingFileSystem(shared: shared, generation: disk.generation)
        }
    }

    /// How many written bytes the last power loss took (unsynced ones it did not keep): what a
    /// crash test checks to know that its crashes cut into appends.
    public var bytesLostAtLastPowerLoss: Int { shared.state.withLock { $0.bytesLostAtLastPowerLoss } }

    // MARK: FileSystem

    public func bootIdentifier() -> String? {
        (try? withDisk("boot_id", "/") { "boot-\($0.boot)" }) ?? nil
    }

    public func contentsOfDirectory(_ directory: String) throws -> [String] {
        let prefix = Self.normalized(directory) + "/"
        return try withDisk("opendir", directory) { disk in
            guard disk.directories.contains(Self.normalized(directory)) else {
                throw FileSystemError(operation: "opendir", path: directory, code: 2, reason: "No such file or directory")
            }
            let names = disk.entries.keys.filter { Self.isDirectChild($0, of: prefix) }
                + disk.directories.filter { Self.isDirectChild($0, of: prefix) }
            return names.map { String($0.dropFirst(prefix.count)) }
        }
    }

    public func createDirectory(_ path: String) throws {
        let target = Self.normalized(path)
        var prefix = target.hasPrefix("/") ? "/" : ""
        for part in target.split(separator: "/") {
            prefix = prefix.isEmpty || prefix == "/" ? prefix + part : prefix + "/" + part
            let directory = prefix
            let exists = try withDisk("mkdir", directory) { $0.directories.contains(directory) }
            if !exists { try mutate(.mkdir, directory) { _ = $0.directories.insert(directory) } }
        }
    }

    public func fileExists(_ path: String) -> Bool {
        (try? withDisk("access", path) { $0.entries[Self.normalized(path)] != nil || $0.directories.contains(Self.normalized(path)) })
            ?? false
    }

    public func readFile(_ path: String) throws -> [UInt8] {
        try withDisk("open", path) { disk in
            guard let id = disk.entries[Self.normalized(path)], let node = disk.nodes[id] else {
                throw FileSystemError(operation: "open", path: path, code: 2, reason: "No such file or directory")
            }
            return node.visible
        }
    }

    public func readPrefix(_ path: String, count: Int) throws -> (bytes: [UInt8], fileSize: Int) {
        let bytes = try readFile(path)
        return (Array(bytes.prefix(count)), bytes.count)
    }

    public func openForAppending(_ path: String, at offset: Int?) throws -> any AppendableFile {
        let key = Self.normalized(path)
        let existing = try withDisk("open", path) { disk -> Int? in
            guard disk.directories.contains(SimulatedDisk.parent(of: key)) else {
                throw FileSystemError(operation: "open", path: path, code: 2, reason: "No such file or directory")
            }
            return disk.entries[key]
        }
        let id =
            try existing
            ?? mutate(.create, path) { disk in
                let id = disk.nextNode
                disk.nextNode += 1
                disk.nodes[id] = SimulatedDisk.Node()
                disk.entries[key] = id
                return id
            }
        if let offset { try withDisk("open", path) { disk in try disk.nodes[id]?.appendFrom(offset, path: path) } }
        return SimulatedFile(fileSystem: self, node: id, path: path)
    }

    public func rename(_ from: String, to: String) throws {
        try mutate(.rename, from) { disk in
            guard let id = disk.entries.removeValue(forKey: Self.normalized(from)) else {
                throw FileSystemError(operation: "rename", path: from, code: 2, reason: "No such file or directory")
            }
            disk.entries[Self.normalized(to)] = id
        }
    }

    public func removeFile(_ path: String) throws {
        guard try withDisk("unlink", path, { $0.entries[Self.normalized(path)] != nil }) else { return }
        _ = try mutate(.unlink, path) { $0.entries.removeValue(forKey: Self.normalized(path)) }
    }

    public func truncateFile(_ path: String, to size: Int) throws {
        try mutate(.truncate, path) { disk in
            guard let id = disk.entries[Self.normalized(path)], var node = disk.nodes[id] else {
                throw FileSystemError(operation: "truncate", path: path, code: 2, reason: "No such file or directory")
            }
            node.content = Array(node.visible.prefix(size))
            // ftruncate is followed by fsync in the real implementation: the cut is durable.
            node.synced = node.content.count
            node.reserved = 0
            node.durableReserved = 0
            node.poisoned = node.poisoned.compactMap { $0.lowerBound < size ? $0.clamped(to: 0..<size) : nil }
            disk.nodes[id] = node
        }
    }

    public func syncDirectory(_ path: String) throws {
        let directory = Self.normalized(path)
        let prefix = directory + "/"
        try mutate(.fsyncDirectory, path) { disk in
            guard disk.directories.contains(directory) else {
                throw FileSystemError(operation: "open", path: path, code: 2, reason: "No such file or directory")
            }
            if disk.failSyncs { throw FileSystemError(operation: "fsync", path: path, code: 5, reason: "Input/output error") }
            for key in disk.durableEntries.keys where Self.isDirectChild(key, of: prefix) { disk.durableEntries[key] = nil }
            for (key, id) in disk.entries where Self.isDirectChild(key, of: prefix) { disk.durableEntries[key] = id }
            for child in disk.directories where Self.isDirectChild(child, of: prefix) { disk.durableDirectories.insert(child) }
        }
    }

    func countWrite() {
        shared.state.withLock { disk in
            guard let left = disk.writesUntilFreeze else { return }
            if left <= 1 {
                disk.frozen = true
                disk.writesUntilFreeze = nil
            } else {
                disk.writesUntilFreeze = left - 1
            }
        }
    }

    static func isDirectChild(_ key: String, of prefix: String) -> Bool {
        key.hasPrefix(prefix) && key.count > prefix.count && !key.dropFirst(prefix.count).contains("/")
    }

    static func normalized(_ path: String) -> String {
        let joined = path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }
}

extension FileSystem {
    /// Replaces a file's content durably (tests that damage files on purpose).
    public func overwrite(_ path: String, with bytes: [UInt8]) throws {
        try removeFile(path)
        let file = try openForAppending(path)
        try file.append(bytes)
        try file.sync()
        try file.close()
        try syncDirectory(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]))
    }
}
