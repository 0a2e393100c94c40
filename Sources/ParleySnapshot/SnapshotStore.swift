public import ParleyLog

/// The snapshot files of one directory: writing them safely, listing, loading the newest valid
/// one (falling back to older ones), and pruning.
///
/// ```swift
/// let store = SnapshotStore(directory: "data/snapshots")
/// try store.write(body: bytes, lsn: 1200, createdAt: now, bodyVersion: 1, counts: [3, 5])
/// let newest = try store.loadNewestValid()
/// ```
public struct SnapshotStore: Sendable {
    public let directory: String
    public let fileSystem: any FileSystem

    public init(directory: String, fileSystem: any FileSystem = PosixFileSystem()) {
        self.directory = directory
        self.fileSystem = fileSystem
    }

    /// A loaded snapshot and the newer ones that had to be skipped.
    public struct Loaded: Sendable {
        public var info: SnapshotInfo
        public var header: SnapshotHeader
        public var body: [UInt8]
        /// Newer snapshots that failed their checks, with the reason.
        public var skipped: [(path: String, reason: String)]
    }

    /// Writes a snapshot: temp file → fsync → rename → fsync the directory.
    @discardableResult
    public func write(
        body: [UInt8], lsn: UInt64, createdAt: Int64, bodyVersion: UInt16, counts: [UInt64]
    ) throws -> SnapshotInfo {
        try fileSystem.createDirectoryDurably(directory)
        let (header, bytes) = try Self.fileBytes(body: body, lsn: lsn, createdAt: createdAt, bodyVersion: bodyVersion, counts: counts)
        let name = SnapshotInfo.fileName(lsn: lsn)
        let temporary = joinPath(directory, name + ".tmp")
        try? fileSystem.removeFile(temporary)
        let file = try fileSystem.openForAppending(temporary)
        do {
            try file.append(bytes)
            try file.sync()
            try file.close()
        } catch {
            try? file.close()
            try? fileSystem.removeFile(temporary)
            throw error
        }
        let path = joinPath(directory, name)
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(directory)
        return SnapshotInfo(
            path: path, fileName: name, lsn: lsn, header: header, headerProblem: nil, fileSize: bytes.count)
    }

    /// A snapshot file's bytes (header, then the LZ4 frame of `body`), as ``write(body:lsn:createdAt:bodyVersion:counts:)``
    /// writes them and ``read(bytes:)`` checks them: also what a cluster shares in Redis.
    public static func fileBytes(
        body: [UInt8], lsn: UInt64, createdAt: Int64, bodyVersion: UInt16, counts: [UInt64]
    ) throws -> (header: SnapshotHeader, bytes: [UInt8]) {
        let frame = try LZ4Frame.compress(body)
        let header = SnapshotHeader(
            bodyVersion: bodyVersion, lsn: lsn, createdAt: createdAt, counts: counts, bodySize: UInt64(body.count),
            frameSize: UInt64(frame.count), frameCRC: CRC32C.checksum(frame))
        return (header, header.bytes + frame)
    }

    /// Every snapshot file, newest first, with its header when it is readable.
    public func list() throws -> [SnapshotInfo] {
        guard fileSystem.fileExists(directory) else { return [] }
        return try fileSystem.contentsOfDirectory(directory)
            .filter { SnapshotInfo.lsn(fileName: $0) != nil }
            .map { Self.info(path: joinPath(directory, $0), fileSystem: fileSystem) }
            .sorted { $0.lsn > $1.lsn }
    }

    /// A snapshot file's header (or why it cannot be read); the body is not checked.
    public static func info(path: String, fileSystem: any FileSystem = PosixFileSystem()) -> SnapshotInfo {
        let name = String(path.split(separator: "/").last ?? "")
        let bytes: [UInt8]
        let fileSize: Int
        do {
            (bytes, fileSize) = try fileSystem.readPrefix(path, count: SnapshotHeader.size)
        } catch {
            return SnapshotInfo(
                path: path, fileName: name, lsn: SnapshotInfo.lsn(fileName: name) ?? 0, header: nil,
                headerProblem: "\(error)", fileSize: 0)
        }
        var info = SnapshotInfo(
            path: path, fileName: name, lsn: SnapshotInfo.lsn(fileName: name) ?? 0, header: nil, headerProblem: nil,
            fileSize: fileSize)
        do {
            let header = try bytes.withUnsafeBytes { raw in try SnapshotHeader(parsing: raw) }
            info.header = header
            if SnapshotInfo.lsn(fileName: name) == nil { info.lsn = header.lsn }
        } catch {
            info.headerProblem = "\(error)"
        }
        return info
    }

    /// Reads and checks one snapshot file completely: header, frame checksum, LZ4 frame, sizes.
    public static func read(path: String, fileSystem: any FileSystem = PosixFileSystem()) throws -> (SnapshotHeader, [UInt8]) {
        try read(bytes: try fileSystem.readFile(path))
    }

    /// Checks one snapshot file's bytes completely (also what `Fuzz/SnapshotLoader` drives).
    public static func read(bytes: [UInt8]) throws -> (SnapshotHeader, [UInt8]) {
        try bytes.withUnsafeBytes { raw in
            let header = try SnapshotHeader(parsing: raw)
            let frameEnd = UInt64(SnapshotHeader.size) + header.frameSize
            guard UInt64(raw.count) == frameEnd else {
                throw SnapshotError.damaged("file is \(raw.count) bytes, the header says \(frameEnd)")
            }
            let frame = UnsafeRawBufferPointer(rebasing: raw[SnapshotHeader.size...])
            guard CRC32C.update(0, frame) == header.frameCRC else { throw SnapshotError.damaged("payload checksum mismatch") }
            guard header.bodySize <= UInt64(Int.max) else { throw SnapshotError.damaged("body size out of range") }
            return (header, try LZ4Frame.decompress(frame, expectedSize: Int(header.bodySize)))
        }
    }

    /// The newest snapshot at or before `lsn` that passes every check, and its body; `accept`
    /// may refuse a body (for example one that does not decode), which falls back further.
    /// `nil` when there is no snapshot; throws ``AllSnapshotsDamaged`` when none is valid.
    public func loadNewestValid(
        atOrBefore lsn: UInt64 = .max, accept: (SnapshotHeader, [UInt8]) throws -> Void = { _, _ in }
    ) throws -> Loaded? {
        var skipped: [(path: String, reason: String)] = []
        for info in try list() where info.lsn <= lsn {
            do {
                let (header, body) = try Self.read(path: info.path, fileSystem: fileSystem)
                guard header.lsn == info.lsn else { throw SnapshotError.damaged("header LSN \(header.lsn) ≠ file name") }
                try accept(header, body)
                return Loaded(info: info, header: header, body: body, skipped: skipped)
            } catch {
                skipped.append((info.path, "\(error)"))
            }
        }
        if skipped.isEmpty { return nil }
        throw AllSnapshotsDamaged(skipped: skipped)
    }

    /// The least number of verified snapshots kept: with one, a snapshot damaged after it was
    /// written would leave nothing to recover from once the log below it is gone.
    public static let minimumKept = 2

    /// What a prune removed, and the oldest snapshot it kept that passed every check (the log
    /// must be kept from there on).
    public struct Pruned: Sendable {
        public var removed: [String]
        public var oldestVerified: SnapshotInfo?
        /// The snapshots that failed their read-back (never counted, never deleted for a good one).
        public var damaged: [String]
    }

    /// Keeps the newest `keep` (at least ``minimumKept``) snapshots that read back whole —
    /// header, checksum, LZ4 frame, sizes (``read(path:fileSystem:)``) — and everything newer
    /// than the oldest of them; deletes the older ones and stray temp files. Damaged snapshots
    /// are never counted, so they can never be why a good one is deleted; with fewer verified
    /// snapshots than that, nothing is deleted.
    @discardableResult
    public func prune(keep: Int) throws -> Pruned {
        try prune(keep: keep, of: list())
    }

    /// ``prune(keep:)`` over `all` (a ``list()`` result, newest first).
    ///
    /// `erasedBefore` is the LSN of the newest purge (retention or erasure; 0: none): once a
    /// snapshot at or after it reads back whole, every snapshot older than it is deleted too,
    /// even if fewer than `keep` remain (snapshots/FORMAT.md, "Retention and erasure").
    @discardableResult
    public func prune(keep: Int, of all: [SnapshotInfo], erasedBefore: UInt64 = 0) throws -> Pruned {
        let wanted = max(Self.minimumKept, keep)
        var verified: [SnapshotInfo] = []
        var damaged: [String] = []
        var cut = all.count
        for (index, info) in all.enumerated() {
            do {
                let (header, _) = try Self.read(path: info.path, fileSystem: fileSystem)
                guard header.lsn == info.lsn else { throw SnapshotError.damaged("header LSN \(header.lsn) ≠ file name") }
                verified.append(info)
            } catch {
                damaged.append(info.path)
                continue
            }
            if verified.count == wanted {
                cut = index + 1
                break
            }
        }
        var doomed: [SnapshotInfo] = verified.count == wanted ? Array(all[cut...]) : []
        let erasing = erasedBefore > 0 && verified.contains { $0.lsn >= erasedBefore }
        if erasing { doomed += all[..<cut].filter { $0.lsn < erasedBefore } }
        var removed: [String] = []
        for info in doomed {
            try fileSystem.removeFile(info.path)
            removed.append(info.path)
        }
        for name in try fileSystem.contentsOfDirectory(directory) where name.hasSuffix(".snap.tmp") {
            try fileSystem.removeFile(joinPath(directory, name))
            removed.append(joinPath(directory, name))
        }
        if !removed.isEmpty { try fileSystem.syncDirectory(directory) }
        let kept = verified.filter { info in !doomed.contains { $0.path == info.path } }
        return Pruned(
            removed: removed, oldestVerified: verified.count == wanted || erasing ? kept.last : nil,
            damaged: damaged.filter { path in !doomed.contains { $0.path == path } })
    }
}

/// Every snapshot in the directory is damaged: starting would lose what they held.
public struct AllSnapshotsDamaged: Error, CustomStringConvertible {
    public var skipped: [(path: String, reason: String)]
    public var description: String {
        "every snapshot is damaged: " + skipped.map { "\($0.path): \($0.reason)" }.joined(separator: "; ")
    }
}
