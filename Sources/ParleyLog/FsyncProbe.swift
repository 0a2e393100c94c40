/// Measures what `fdatasync` costs the log on a disk (`parley wal fsync-test`): appends records
/// of a given size to a scratch file and syncs after each, back to back, as the log's flusher
/// does under load with `--fsync always`, through the same file layer (space reserved ahead,
/// `pwrite`, `fdatasync`). With a commit delay, the syncs are paced as the flusher paces them
/// (``SyncPacer``): a message arriving during the delay joins the next batch. The scratch file
/// is removed afterwards.
public enum FsyncProbe {
    /// The scratch file's name in the probed directory.
    public static let scratchName = "fsync-probe.tmp"

    /// Runs for `seconds` in `directory` (which must exist).
    public static func run(
        directory: String, seconds: Double, recordBytes: Int, commitDelay: Duration = .zero,
        fileSystem: any FileSystem = PosixFileSystem()
    ) throws -> FsyncProbeResult {
        precondition(seconds > 0 && recordBytes > 0, "a probe runs for some time with some bytes")
        let path = joinPath(directory, scratchName)
        if fileSystem.fileExists(path) { try fileSystem.removeFile(path) }
        let file = try fileSystem.openForAppending(path)
        defer {
            try? file.close()
            try? fileSystem.removeFile(path)
        }
        let record = [UInt8](repeating: 0x5A, count: recordBytes)
        let clock = ContinuousClock()
        let started = clock.now
        let nanoseconds = { UInt64(max(0, (clock.now - started) / .nanoseconds(1))) }
        let limit = UInt64(seconds * 1e9)
        var timeline = FsyncTimeline()
        var reserved = 0
        var pacer = SyncPacer(minimumInterval: commitDelay)
        while true {
            pacer.waitForTurn()
            let writeStart = nanoseconds()
            guard writeStart < limit else { break }
            if file.size + recordBytes > reserved {
                // As a segment does (best effort too): space reserved ahead, so a sync writes the data alone.
                reserved = SegmentWriter.reservation(through: file.size + recordBytes)
                try? file.reserve(reserved)
            }
            try file.append(record)
            let syncStart = nanoseconds()
            pacer.syncStarting()
            try file.sync()
            timeline.append(.init(writeStart: writeStart, syncStart: syncStart, syncEnd: nanoseconds()))
        }
        return timeline.result(recordBytes: recordBytes)
    }
}
