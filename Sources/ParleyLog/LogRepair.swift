/// The operator's explicit way past damage that a start refuses to repair (`parley wal repair
/// --truncate-at FILE:OFFSET`): the log is cut at that offset of that segment. Nothing is thrown
/// away: the bytes from the offset on, and every later segment, are kept beside the log as
/// `.broken` files, fsynced before the segment is truncated.
public enum LogRepair {
    public struct Outcome: Sendable, Encodable {
        public var file: String
        public var offset: Int
        public var bytesCut: Int
        /// Where the cut bytes and the later segments were put.
        public var keptIn: [String]
    }

    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    public static func truncate(directory: String, segment name: String, at offset: Int, fileSystem fs: any FileSystem) throws -> Outcome {
        let names = try LogReader.segmentNames(fileSystem: fs, directory: directory)
        guard let index = names.firstIndex(where: { $0.name == name }) else {
            throw Refusal(description: "\(name) is not a segment of \(directory)")
        }
        let path = joinPath(directory, name)
        let bytes = try fs.readFile(path)
        guard offset >= 0, offset <= bytes.count else { throw Refusal(description: "offset \(offset) is outside \(name) (\(bytes.count) bytes)") }
        guard offset == 0 || offset >= SegmentFormat.headerSize else {
            throw Refusal(description: "offset \(offset) is inside the segment header: cut at 0 to set the whole segment aside")
        }
        var kept: [String] = []
        func unusedName(_ base: String) -> String {
            var candidate = base
            var attempt = 1
            while fs.fileExists(joinPath(directory, candidate)) {
                attempt += 1
                candidate = "\(base).\(attempt)"
            }
            return candidate
        }
        // The cut bytes first, durable, then the later segments renamed, then the cut itself.
        var cut = 0
        if offset < bytes.count {
            let broken = unusedName("\(name).\(offset).broken")
            let file = try fs.openForAppending(joinPath(directory, broken))
            try file.append(Array(bytes[offset...]))
            try file.sync()
            try file.close()
            kept.append(joinPath(directory, broken))
            cut = bytes.count - offset
        }
        for later in names[(index + 1)...] {
            let broken = unusedName("\(later.name).broken")
            try fs.rename(joinPath(directory, later.name), to: joinPath(directory, broken))
            kept.append(joinPath(directory, broken))
        }
        try fs.syncDirectory(directory)
        if offset == 0 {
            try fs.removeFile(path)
        } else {
            try fs.truncateFile(path, to: offset)
        }
        try fs.syncDirectory(directory)
        return Outcome(file: path, offset: offset, bytesCut: cut, keptIn: kept)
    }
}
