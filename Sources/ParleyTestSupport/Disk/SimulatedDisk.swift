import ParleyLog

/// The state of the simulated disk and page cache, shared by every "process" that mounts it.
///
/// What a process sees (`entries`, `directories`, every node's `content`) is the page cache;
/// what survives a power loss is `durableEntries`, `durableDirectories` and each node's synced
/// prefix (minus ranges a failed `fdatasync` poisoned). A process kill keeps the page cache.
struct SimulatedDisk {
    struct Node {
        var content: [UInt8] = []
        var synced = 0
        /// Byte ranges a failed `fdatasync` left marked clean but never written: visible until
        /// the page cache is dropped, zeros after a power loss (Linux's behaviour since 4.13).
        var poisoned: [Range<Int>] = []
    }

    /// A fault armed at one I/O operation.
    struct ArmedFault {
        var operation: Int
        var fault: CrashSimulatingFileSystem.Fault
    }

    var nodes: [Int: Node] = [:]
    var entries: [String: Int] = [:]
    var durableEntries: [String: Int] = [:]
    var directories: Set<String> = ["/", ""]
    var durableDirectories: Set<String> = ["/", ""]
    var nextNode = 1
    /// Which process may use the disk; a crash starts a new one.
    var generation = 0
    /// Which boot the page cache belongs to; a power loss starts a new one.
    var boot = 1
    var failSyncs = false
    /// Writes left before the disk freezes (the process "dies" right after that write).
    var writesUntilFreeze: Int?
    var frozen = false
    /// Every mutating I/O operation so far, in order, since the disk was made.
    var operations: [CrashSimulatingFileSystem.Operation] = []
    var armed: ArmedFault?
    /// Whether the armed fault was reached.
    var armedFaultFired = false

    /// Counts one mutating operation and applies `body` unless an armed fault says otherwise:
    /// a failure throws before the operation has any effect; a crash lets it happen, then
    /// freezes the disk so that the process can do nothing more.
    mutating func perform<T>(
        _ kind: CrashSimulatingFileSystem.Operation.Kind, _ path: String,
        whenFailed: ((inout SimulatedDisk) -> Void)? = nil, _ body: (inout SimulatedDisk) throws -> T
    ) throws -> T {
        operations.append(.init(kind: kind, path: path))
        guard let armed, armed.operation == operations.count else { return try body(&self) }
        self.armed = nil
        armedFaultFired = true
        switch armed.fault {
        case .fail(let code):
            whenFailed?(&self)
            throw FileSystemError(
                operation: kind.rawValue, path: path, code: code, reason: code == 28 ? "No space left on device" : "Input/output error")
        case .crash:
            let result = try body(&self)
            frozen = true
            return result
        }
    }

    /// A failed `fdatasync`: the unsynced bytes stay visible but will never reach the disk.
    mutating func poisonUnsynced(_ id: Int) {
        guard var node = nodes[id], node.synced < node.content.count else { return }
        node.poisoned.append(node.synced..<node.content.count)
        node.synced = node.content.count
        nodes[id] = node
    }

    /// The disk after a power loss: durable entries and directories, synced bytes, and as
    /// much of the unsynced bytes as `mode` keeps.
    mutating func losePower(_ mode: CrashSimulatingFileSystem.CrashMode, using generator: inout some RandomNumberGenerator) {
        boot += 1
        directories = durableDirectories
        entries = durableEntries.filter { directories.contains(Self.parent(of: $0.key)) }
        durableEntries = entries
        let live = Set(entries.values)
        for id in nodes.keys where !live.contains(id) { nodes[id] = nil }
        for (id, node) in nodes {
            var survivor = Self.survivor(of: node, mode: mode, using: &generator)
            for range in node.poisoned where range.lowerBound < survivor.content.count {
                for index in range.clamped(to: 0..<survivor.content.count) { survivor.content[index] = 0 }
            }
            nodes[id] = survivor
        }
    }

    static func survivor(
        of node: Node, mode: CrashSimulatingFileSystem.CrashMode, using generator: inout some RandomNumberGenerator
    ) -> Node {
        let unsynced = node.content.count - node.synced
        guard unsynced > 0 else { return Node(content: node.content, synced: node.synced) }
        var kept = Array(node.content[..<node.synced])
        switch mode {
        case .dropUnsynced, .processKilled:
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

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
