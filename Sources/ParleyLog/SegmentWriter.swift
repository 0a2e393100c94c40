/// Appends batches to the active segment file and cuts new segments. Owned by the flusher.
///
/// The active segment is kept longer than what it holds (snapshots/FORMAT.md, "Reserved
/// space"): before a batch would pass the reserved length, the file is made longer, to the next
/// ``reservationStep`` (never past the segment size). A batch then overwrites zeros in place,
/// and its `fdatasync` writes the data alone instead of the data and the inode whose length it
/// changed: a third less time per sync on this project's ext4 disk (docs/PERFORMANCE.md).
final class SegmentWriter {
    /// How far ahead a segment is reserved: one inode update per this many bytes of records.
    static let reservationStep = 1 << 20

    private let fileSystem: any FileSystem
    private let directory: String
    private let maxSegmentBytes: Int
    private var file: any AppendableFile
    private(set) var firstLSN: UInt64
    /// The length the active segment was last reserved to (or tried to be).
    private var reservedThrough = 0

    init(fileSystem: any FileSystem, directory: String, maxSegmentBytes: Int, firstLSN: UInt64, file: any AppendableFile) {
        self.fileSystem = fileSystem
        self.directory = directory
        self.maxSegmentBytes = maxSegmentBytes
        self.firstLSN = firstLSN
        self.file = file
    }

    /// Creates a new, empty segment (header written, space reserved, synced, directory synced)
    /// and opens it.
    static func create(fileSystem: any FileSystem, directory: String, maxSegmentBytes: Int, firstLSN: UInt64) throws -> SegmentWriter {
        let path = joinPath(directory, SegmentFormat.fileName(firstLSN: firstLSN))
        let file = try fileSystem.openForAppending(path)
        try file.append(SegmentFormat.header(firstLSN: firstLSN))
        let writer = SegmentWriter(fileSystem: fileSystem, directory: directory, maxSegmentBytes: maxSegmentBytes, firstLSN: firstLSN, file: file)
        writer.reserve(for: 0)
        try file.sync()
        try fileSystem.syncDirectory(directory)
        return writer
    }

    /// Writes the chunks in order, cutting to a new segment where a chunk names one.
    /// Returns how many `fdatasync` calls a segment cut needed.
    func write(_ chunks: [GroupCommitState.Chunk]) throws -> Int {
        var syncs = 0
        for chunk in chunks {
            if chunk.segmentFirstLSN != firstLSN {
                try file.sync()
                try file.close()
                syncs += 1
                let next = try SegmentWriter.create(
                    fileSystem: fileSystem, directory: directory, maxSegmentBytes: maxSegmentBytes, firstLSN: chunk.segmentFirstLSN)
                file = next.file
                firstLSN = next.firstLSN
                reservedThrough = next.reservedThrough
            }
            reserve(for: chunk.bytes.count)
            try file.append(chunk.bytes)
        }
        return syncs
    }

    /// Makes the segment longer when `count` more bytes would pass its reservation. Best
    /// effort: a reservation that fails (no space for a whole step, a file system without
    /// `fallocate` support that glibc cannot emulate) is skipped until the next step, and the
    /// appends then lengthen the file themselves, as they would without one.
    private func reserve(for count: Int) {
        let end = file.size + count
        guard end > reservedThrough, end < maxSegmentBytes else { return }
        let target = Self.reservation(through: end, maxSegmentBytes: maxSegmentBytes)
        try? file.reserve(target)
        reservedThrough = target
    }

    /// The length a file is reserved to when its appends reach `end`: the next
    /// ``reservationStep`` past it, never past `maxSegmentBytes`.
    static func reservation(through end: Int, maxSegmentBytes: Int = .max) -> Int {
        min(maxSegmentBytes, (end / reservationStep + 1) * reservationStep)
    }

    func sync() throws { try file.sync() }

    func close() throws {
        try file.sync()
        try file.close()
    }
}
