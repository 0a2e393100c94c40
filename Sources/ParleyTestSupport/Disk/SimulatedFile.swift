import ParleyLog

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

    private func withNode<T>(
        _ kind: CrashSimulatingFileSystem.Operation.Kind?, _ body: (inout SimulatedDisk.Node, Bool) throws -> T
    ) throws -> T {
        let work: (inout SimulatedDisk) throws -> T = { [node, path] disk in
            guard var current = disk.nodes[node] else {
                throw FileSystemError(operation: kind?.rawValue ?? "stat", path: path, code: 2, reason: "file was removed")
            }
            defer { disk.nodes[node] = current }
            return try body(&current, disk.failSyncs)
        }
        // An armed failure of fdatasync poisons the unsynced bytes like a real failed one.
        let poison: (inout SimulatedDisk) -> Void = { [node] disk in disk.poisonUnsynced(node) }
        if let kind { return try fileSystem.mutate(kind, path, whenFailed: kind == .fdatasync ? poison : nil, work) }
        return try fileSystem.withDisk("stat", path, work)
    }

    var size: Int { (try? withNode(nil) { node, _ in node.content.count }) ?? 0 }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try withNode(.write) { node, _ in node.content.append(contentsOf: bytes) }
        fileSystem.countWrite()
    }

    func reserve(_ length: Int) throws {
        try withNode(.fallocate) { node, _ in node.reserved = max(node.reserved, length) }
    }

    func sync() throws {
        try withNode(.fdatasync) { node, failing in
            if failing {
                // Linux marks the pages clean anyway: the bytes stay visible but are lost at power loss.
                if node.synced < node.content.count { node.poisoned.append(node.synced..<node.content.count) }
                node.synced = node.content.count
                throw FileSystemError(operation: "fdatasync", path: path, code: 5, reason: "Input/output error")
            }
            node.synced = node.content.count
            node.durableReserved = node.reserved
        }
    }

    func close() throws {}
}
