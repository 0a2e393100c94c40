/// Bytes done in a scan of a log directory (replay, restore, verify), from the records it
/// visits: a record's offset in its segment, plus the segments finished before it. Feeds a
/// ``ProgressMeter`` with `totalBytes`, the segments' sizes when the scan began.
public struct LogScanProgress: Sendable {
    public let totalBytes: Int
    private var finishedSegments = 0
    private var lastOffset = -1
    private var lastEnd = 0

    /// `from`: the first LSN the scan visits; segments wholly before it (kept, but not read)
    /// are not counted.
    public init(directory: String, from: UInt64 = 0, fileSystem: any FileSystem = PosixFileSystem()) {
        let names = (try? LogReader.segmentNames(fileSystem: fileSystem, directory: directory)) ?? []
        totalBytes = names.indices.reduce(0) { sum, index in
            let passedOver = index + 1 < names.count && names[index + 1].firstLSN <= from
            guard !passedOver else { return sum }
            return sum + ((try? fileSystem.readPrefix(joinPath(directory, names[index].name), count: 0).fileSize) ?? 0)
        }
    }

    /// Bytes of the log behind `record` (a record at a smaller offset than the last one starts
    /// the next segment).
    public mutating func bytesDone(through record: LogRecordView) -> Int {
        if record.offset < lastOffset { finishedSegments += lastEnd }
        lastOffset = record.offset
        lastEnd = record.offset + SegmentFormat.frameHeaderSize + record.payload.count
        return finishedSegments + lastEnd
    }
}
