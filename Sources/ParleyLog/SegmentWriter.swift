/// Appends batches to the active segment file and cuts new segments. Owned by the flusher.
final class SegmentWriter {
    private let fileSystem: any FileSystem
    private let directory: String
    private var file: any AppendableFile
    private(set) var firstLSN: UInt64

    init(fileSystem: any FileSystem, directory: String, firstLSN: UInt64, file: any AppendableFile) {
        self.fileSystem = fileSystem
        self.directory = directory
        self.firstLSN = firstLSN
        self.file = file
    }

    /// Creates a new, empty segment (header written, synced, directory synced) and opens it.
    static func create(fileSystem: any FileSystem, directory: String, firstLSN: UInt64) throws -> SegmentWriter {
        let path = joinPath(directory, SegmentFormat.fileName(firstLSN: firstLSN))
        let file = try fileSystem.openForAppending(path)
        try file.append(SegmentFormat.header(firstLSN: firstLSN))
        try file.sync()
        try fileSystem.syncDirectory(directory)
        return SegmentWriter(fileSystem: fileSystem, directory: directory, firstLSN: firstLSN, file: file)
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
                let next = try SegmentWriter.create(fileSystem: fileSystem, directory: directory, firstLSN: chunk.segmentFirstLSN)
                file = next.file
                firstLSN = next.firstLSN
            }
            try file.append(chunk.bytes)
        }
        return syncs
    }

    func sync() throws { try file.sync() }

    func close() throws {
        try file.sync()
        try file.close()
    }
}
