public import ParleyLog
import Synchronization

/// An in-memory disk that loses what was not synced when it "crashes" — the test double for
/// the log's and snapshots' durability claims.
///
/// Written bytes are held until `sync()`; directory entries (creates, renames, removes) until
/// `syncDirectory`. ``crash(_:using:)`` keeps only what was made durable, plus, by the mode,
/// none, some whole 512-byte sectors, or an arbitrary part of the unsynced bytes. It returns a
/// view of the disk for the next "process": every operation of the old view, and of handles it
/// opened, fails from then on, so a dead process cannot write afterwards.
public final class CrashSimulatingFileSystem: FileSystem {
    /// What happens to bytes written but not yet synced at a crash.
    public enum CrashMode: CaseIterable, Sendable {
        /// All unsynced bytes are lost.
        case dropUnsynced
        /// The unsynced bytes survive up to a random 512-byte boundary.
        case tornAtSector
        /// Each unsynced 512-byte sector survives or not on its own; lost ones read as zeros.
        case scrambledSectors
        /// A random prefix of the unsynced bytes survives.
        case partlyKept
    }

    struct Node {
        var content: [UInt8] = []
        var synced = 0
    }

    struct Disk {
        var nodes: [Int: Node] = [:]
        var entries: [String: Int] = [:]
        var durableEntries: [String: Int] = [:]
        var directories: Set<String> = ["/"]
        var nextNode = 1
        var generation = 0
        var failSyncs = false
        /// Writes left before the disk freezes (the process "dies" right after that write).
        var writesUntilFreeze: Int?
        var frozen = false
    }

    final class SharedDisk: Sendable {
        let state = Mutex(Disk())
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
    func withDisk<T>(_ operation: String, _ path: String, _ body: (inout Disk) throws -> T) throws -> T {
        try shared.state.withLock { disk in
            guard disk.generation == generation, !disk.frozen else {
                throw FileSystemError(operation: operation, path: path, code: 5, reason: "the process crashed")
            }
            return try body(&disk)
        }
    }

    /// Freezes the disk right after the `writes`-th later write: from then on every operation
    /// fails as if the process had died, with that write not yet synced. Then call ``crash(_:using:)``.
    public func armCrash(afterWrites writes: Int) { shared.state.withLock { $0.writesUntilFreeze = max(1, writes) } }

    /// Whether an armed crash has frozen the disk.
    public var isFrozen: Bool { shared.state.withLock { $0.frozen } }

    /// Makes every later `sync` fail (a dying disk).
    public func setSyncFailure(_ failing: Bool) { shared.state.withLock { $0.failSyncs = failing } }

    /// Simulates a power cut: unsynced data is lost or torn as `mode` says.
    public func crash(_ mode: CrashMode, using generator: inout some RandomNumberGenerator) -> CrashSimulatingFileSystem {
        shared.state.withLock { disk in
            disk.generation += 1
            disk.failSyncs = false
            disk.frozen = false
            disk.writesUntilFreeze = nil
            disk.entries = disk.durableEntries
            let live = Set(disk.entries.values)
            for id in disk.nodes.keys where !live.contains(id) { disk.nodes[id] = nil }
            for (id, node) in disk.nodes {
                disk.nodes[id] = Self.survivor(of: node, mode: mode, using: &generator)
            }
            return CrashSimulatingFileSystem(shared: shared, generation: disk.generation)
        }
    }

    static func survivor(of node: Node, mode: CrashMode, using generator: inout some RandomNumberGenerator) -> Node {
        let unsynced = node.content.count - node.synced
        guard unsynced > 0 else { return node }
        var kept = Array(node.content[..<node.synced])
        switch mode {
        case .dropUnsynced:
            break
        case .partlyKept:
            kept += node.content[node.synced..<node.synced + Int.random(in: 0...unsynced, using: &generator)]
        case .tornAtSector:
            let boundaries = stride(from: (node.synced / 512 + 1) * 512, through: node.content.count, by: 512)
            if let cut = Array(boundaries).randomElement(using: &generator), Bool.random(using: &generator) {
                kept = Array(node.content[..<cut])
            }
        case .scrambledSectors:
            var end = node.synced
            var bytes = node.content
            var sectorStart = node.synced
            while sectorStart < node.content.count {
                let sectorEnd = min((sectorStart / 512 + 1) * 512, node.content.count)
                if Bool.random(using: &generator) {
                    end = sectorEnd
                } else {
                    for index in sectorStart..<sectorEnd { bytes[index] = 0 }
                }
                sectorStart = sectorEnd
            }
            kept = Array(bytes[..<end])
        }
        return Node(content: kept, synced: kept.count)
    }

    // MARK: FileSystem

    public func contentsOfDirectory(_ directory: String) throws -> [String] {
        let prefix = Self.normalized(directory) + "/"
        return try withDisk("opendir", directory) { disk in
            guard disk.directories.contains(Self.normalized(directory)) else {
                throw FileSystemError(operation: "opendir", path: directory, code: 2, reason: "No such file or directory")
            }
            return disk.entries.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
                .map { String($0.dropFirst(prefix.count)) }
        }
    }

    public func createDirectory(_ path: String) throws {
        _ = try withDisk("mkdir", path) { $0.directories.insert(Self.normalized(path)) }
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
            return node.content
        }
    }

    public func readPrefix(_ path: String, count: Int) throws -> (bytes: [UInt8], fileSize: Int) {
        let bytes = try readFile(path)
        return (Array(bytes.prefix(count)), bytes.count)
    }

    public func openForAppending(_ path: String) throws -> any AppendableFile {
        let key = Self.normalized(path)
        return try withDisk("open", path) { disk in
            let id: Int
            if let existing = disk.entries[key] {
                id = existing
            } else {
                id = disk.nextNode
                disk.nextNode += 1
                disk.nodes[id] = Node()
                disk.entries[key] = id
            }
            return SimulatedFile(fileSystem: self, node: id, path: path)
        }
    }

    public func rename(_ from: String, to: String) throws {
        try withDisk("rename", from) { disk in
            guard let id = disk.entries.removeValue(forKey: Self.normalized(from)) else {
                throw FileSystemError(operation: "rename", path: from, code: 2, reason: "No such file or directory")
            }
            disk.entries[Self.normalized(to)] = id
        }
    }

    public func removeFile(_ path: String) throws {
        _ = try withDisk("unlink", path) { $0.entries.removeValue(forKey: Self.normalized(path)) }
    }

    public func truncateFile(_ path: String, to size: Int) throws {
        try withDisk("truncate", path) { disk in
            guard let id = disk.entries[Self.normalized(path)], var node = disk.nodes[id] else {
                throw FileSystemError(operation: "truncate", path: path, code: 2, reason: "No such file or directory")
            }
            node.content = Array(node.content.prefix(size))
            // ftruncate is followed by fsync in the real implementation: the cut is durable.
            node.synced = node.content.count
            disk.nodes[id] = node
        }
    }

    public func syncDirectory(_ path: String) throws {
        let prefix = Self.normalized(path) + "/"
        try withDisk("fsync", path) { disk in
            if disk.failSyncs { throw FileSystemError(operation: "fsync", path: path, code: 5, reason: "Input/output error") }
            for key in disk.durableEntries.keys where Self.isDirectChild(key, of: prefix) { disk.durableEntries[key] = nil }
            for (key, id) in disk.entries where Self.isDirectChild(key, of: prefix) { disk.durableEntries[key] = id }
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
        key.hasPrefix(prefix) && !key.dropFirst(prefix.count).contains("/")
    }

    static func normalized(_ path: String) -> String {
        let joined = path.split(separator: "/").joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }
}

/// A handle of the simulated disk; useless once its process has crashed.
final class SimulatedFile: AppendableFile {
    private let fileSystem: CrashSimulatingFileSystem
    private let node: Int
    private let path: String

    init(fileSystem: CrashSimulatingFileSystem, node: Int, path: String) {
        self.fileSystem = fileSystem
        self.node = node
        self.path = path
    }

    private func withNode<T>(_ operation: String, _ body: (inout CrashSimulatingFileSystem.Node, Bool) throws -> T) throws -> T {
        try fileSystem.withDisk(operation, path) { disk in
            guard var current = disk.nodes[node] else {
                throw FileSystemError(operation: operation, path: path, code: 2, reason: "file was removed")
            }
            defer { disk.nodes[node] = current }
            return try body(&current, disk.failSyncs)
        }
    }

    var size: Int { (try? withNode("stat") { node, _ in node.content.count }) ?? 0 }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try withNode("write") { node, _ in node.content.append(contentsOf: bytes) }
        fileSystem.countWrite()
    }

    func sync() throws {
        try withNode("fdatasync") { node, failing in
            if failing { throw FileSystemError(operation: "fdatasync", path: path, code: 5, reason: "Input/output error") }
            node.synced = node.content.count
        }
    }

    func close() throws {}
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
