public import ParleyHistory
public import ParleyLog

/// Where the store keeps its files and how it makes them durable.
public struct StorageConfiguration: Sendable {
    /// The data directory: `wal/` (log segments), `snapshots/` and the `LOCK` file live in it.
    public var dataDirectory: String
    public var fsync: FsyncPolicy
    /// Under `fsync` ``FsyncPolicy/always``, the least time between the starts of two log
    /// syncs (``SyncPacer``, `--commit-delay-us`); zero syncs each batch at once.
    public var commitDelay: Duration = .zero
    public var segmentBytes: Int
    /// Take a snapshot after this many records since the last one …
    public var snapshotEveryRecords: Int
    /// … or after this many seconds, when at least one record was written since.
    public var snapshotEverySeconds: Int
    /// How many snapshots to keep; log segments wholly below the oldest kept one are deleted.
    public var snapshotsToKeep: Int
    public var fileSystem: any FileSystem
    /// Whether to take the data directory's `LOCK` (off for in-memory test disks).
    public var usesLockFile: Bool
    /// What history compaction moves from RAM to history files, and how often it looks.
    public var compaction: CompactionPolicy
    public var compactionEverySeconds: Int
    /// How often a long start-up replay logs how far it is (a shorter replay logs nothing).
    public var replayProgressInterval: Duration = .seconds(2)

    public init(
        dataDirectory: String, fsync: FsyncPolicy = .always, segmentBytes: Int = 64 << 20,
        snapshotEveryRecords: Int = 100_000, snapshotEverySeconds: Int = 300, snapshotsToKeep: Int = 2,
        fileSystem: any FileSystem = PosixFileSystem(), usesLockFile: Bool = true,
        compaction: CompactionPolicy = CompactionPolicy(), compactionEverySeconds: Int = 60
    ) {
        self.compaction = compaction
        self.compactionEverySeconds = compactionEverySeconds
        self.dataDirectory = dataDirectory
        self.fsync = fsync
        self.segmentBytes = segmentBytes
        self.snapshotEveryRecords = snapshotEveryRecords
        self.snapshotEverySeconds = snapshotEverySeconds
        self.snapshotsToKeep = snapshotsToKeep
        self.fileSystem = fileSystem
        self.usesLockFile = usesLockFile
    }

    public var walDirectory: String { joinPath(dataDirectory, "wal") }
    public var snapshotDirectory: String { joinPath(dataDirectory, "snapshots") }
    /// Cold history (issue 16): `history/<number>.hist`.
    public var historyDirectory: String { joinPath(dataDirectory, "history") }
}
