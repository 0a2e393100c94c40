/// A snapshot file found in a directory, with its header when that is readable.
public struct SnapshotInfo: Hashable, Sendable {
    public var path: String
    public var fileName: String
    /// The LSN in the file name.
    public var lsn: UInt64
    public var header: SnapshotHeader?
    /// Why the header could not be read, when it could not.
    public var headerProblem: String?
    public var fileSize: Int

    public init(path: String, fileName: String, lsn: UInt64, header: SnapshotHeader?, headerProblem: String?, fileSize: Int) {
        self.path = path
        self.fileName = fileName
        self.lsn = lsn
        self.header = header
        self.headerProblem = headerProblem
        self.fileSize = fileSize
    }

    /// The file name of the snapshot taken at `lsn`.
    public static func fileName(lsn: UInt64) -> String {
        let digits = String(lsn)
        return "snapshot-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".snap"
    }

    /// The LSN named by a snapshot file name, or `nil` for other files.
    public static func lsn(fileName name: String) -> UInt64? {
        guard name.hasPrefix("snapshot-"), name.hasSuffix(".snap"), name.count == 9 + 20 + 5 else { return nil }
        return UInt64(name.dropFirst(9).prefix(20))
    }
}
