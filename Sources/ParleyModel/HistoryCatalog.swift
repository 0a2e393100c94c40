/// The history store as the durable state knows it (issue 16): which history files are live
/// and how many messages they hold. The files themselves are read through ``ColdHistory``.
public struct HistoryCatalog: Hashable, Sendable {
    /// The numbers of the history files a record has made live.
    public private(set) var liveFiles: Set<UInt64>
    /// How many stored messages are cold (in those files, not in RAM), purged ones not counted.
    public private(set) var coldMessages: UInt64

    public init(liveFiles: Set<UInt64> = [], coldMessages: UInt64 = 0) {
        self.liveFiles = liveFiles
        self.coldMessages = coldMessages
    }

    /// Records a file made live; returns `false` when it already was.
    mutating func add(_ number: UInt64) -> Bool { liveFiles.insert(number).inserted }

    mutating func moved(_ count: UInt64) { coldMessages += count }

    /// Cold messages were purged (they stay in their files until those are written again).
    mutating func purged(_ count: UInt64) { coldMessages -= min(count, coldMessages) }

    /// A file was written again without its purged messages; returns `false` when the
    /// replacement was already applied.
    mutating func replace(_ old: UInt64, with new: UInt64?) -> Bool {
        guard liveFiles.remove(old) != nil else { return false }
        if let new { liveFiles.insert(new) }
        return true
    }

    /// The next free file number.
    public var nextNumber: UInt64 { (liveFiles.max() ?? 0) + 1 }
}
