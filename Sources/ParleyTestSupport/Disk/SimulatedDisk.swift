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
        /// The file's length when a reservation made it longer than `content`: the bytes past
        /// `content` read as zeros. `durableReserved` is what the last sync made durable.
        var reserved = 0
        var durableReserved = 0

        /// Appends go from `offset` on, over zeros (a log reopened at its last valid frame):
        /// the zeros past `offset` move from `content` to the reservation, so a read sees the
        /// same bytes, durable as they were.
        mutating func appendFrom(_ offset: Int, path: String) throws {
            guard offset <= max(content.count, reserved), visible[offset...].allSatisfy({ $0 == 0 }) else {
                throw FileSystemError(operation: "open", path: path, code: 22, reason: "appending over bytes that are not zeros")
            }
            if offset < content.count {
                reserved = max(reserved, content.count)
                if synced > offset {
                    durableReserved = max(durableReserved, synced)
                    synced = offset
                }
                content.removeSubrange(offset...)
                poisoned = poisoned.compactMap { $0.lowerBound < offset ? $0.clamped(to: 0..<offset) : nil }
            } else {
                // The zeros up to `offset` are the reservation's: as durable as it is.
                content += [UInt8](repeating: 0, count: offset - content.count)
            }
        }

        /// What a read sees: the content, then the zeros of a reservation.
        var visible: [UInt8] {
            reserved > content.count ? content + [UInt8](repeating: 0, count: reserved - content.count) : content
        }
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
    /// Written bytes the last power loss did not keep.
    var bytesLostAtLastPowerLoss = 0

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
        bytesLostAtLastPowerLoss = 0
        for (id, node) in nodes {
            var survivor = Self.survivor(of: node, mode: mode, using: &generator)
            bytesLostAtLastPowerLoss += node.content.count - survivor.content.count
            for range in node.poisoned where range.lowerBound < survivor.content.count {
                for index in range.clamped(to: 0..<survivor.content.count) { survivor.content[index] = 0 }
            }
            nodes[id] = survivor
        }
    }

    static func survivor(
        of node: Node, mode: CrashSimulatingFileSystem.CrashMode, using generator: inout some RandomNumberGenerator
    ) -> Node {
        var survivor = survivingContent(of: node, mode: mode, using: &generator)
        survivor.reserved = node.durableReserved
        survivor.durableReserved = node.durableReserved
        return survivor
    }

    /// The bytes of `node` a power loss leaves (a durable reservation's zeros come after them).
    private static func survivingContent(
        of node: Node, mode: CrashSimulatingFileSystem.CrashMode, using generator: inout some RandomNumberGenerator
    ) -> Node {
        let unsynced = node.content.count - node.synced
        guard unsynced > 0 else { return Node(content: node.content, synced: node.synced) }
        var kept = Array(node.content[..<node.synced])
        switch mode {
        case .dropUnsynced, .processKilled:
            break
        case .partlyKept:
            var end = node.synced + Int.random(in: 0...unsynced, using: &generator)
            // Inside a durable reservation the file's length does not move: what reaches the
            // disk are whole sectors over its zeros (a write is not cut mid-sector), so the kept
            // part ends at a sector boundary (or where the synced bytes end).
            if node.durableReserved > end { end = max(node.synced, end / 512 * 512) }
            kept += node.content[node.synced..<end]
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
