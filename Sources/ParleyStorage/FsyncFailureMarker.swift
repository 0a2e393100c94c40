import Foundation
public import Logging
public import ParleyLog

/// The `FSYNC_FAILED` file: written when an fsync of the log fails, checked at every start.
///
/// After a failed fsync Linux may mark the dirty pages clean without writing them: the bytes
/// stay readable from the page cache but are not on the disk, and a later fsync reports
/// success. A restart in the same boot would read them back, trust them and acknowledge
/// retries from them (PostgreSQL's "fsyncgate"). So the start refuses until the page cache is
/// known to be gone: the machine rebooted (the marker names the boot, and a start in another
/// boot clears it), or the operator dropped the caches and ran `parley wal clear-fsync-failure`.
public enum FsyncFailureMarker {
    public static let fileName = "FSYNC_FAILED"

    public static func path(dataDirectory: String) -> String { joinPath(dataDirectory, fileName) }

    /// Records the failure, fsynced, as well as a failing disk allows (best effort: the same
    /// disk may refuse this write too; the failure is logged either way).
    public static func write(dataDirectory: String, error: LogError, fileSystem fs: any FileSystem, logger: Logger) {
        let text = """
            boot_id=\(fs.bootIdentifier() ?? "unknown")
            time=\(ISO8601DateFormatter().string(from: Date()))
            error=\(error)

            """
        let path = path(dataDirectory: dataDirectory)
        do {
            try fs.removeFile(path)
            let file = try fs.openForAppending(path)
            try file.append(Array(text.utf8))
            try file.sync()
            try file.close()
            try fs.syncDirectory(dataDirectory)
        } catch {
            logger.critical(
                "could not write the fsync-failure marker; do not restart in this boot without dropping the page cache",
                metadata: ["parley.path": "\(path)", "parley.error": "\(error)"])
        }
    }

    /// Refuses a start in the boot of a recorded fsync failure; clears a marker from an earlier boot.
    static func check(dataDirectory: String, fileSystem fs: any FileSystem, logger: Logger) throws {
        let path = path(dataDirectory: dataDirectory)
        guard fs.fileExists(path) else { return }
        let fields = Self.fields(String(decoding: (try? fs.readFile(path)) ?? [], as: UTF8.self))
        let failedBoot = fields["boot_id"] ?? "unknown"
        if let boot = fs.bootIdentifier(), failedBoot != "unknown", boot != failedBoot {
            logger.warning(
                "an fsync failed in an earlier boot; the page cache of that boot is gone, the disk is read afresh",
                metadata: ["parley.marker": "\(fields)"])
            try clear(dataDirectory: dataDirectory, fileSystem: fs)
            return
        }
        throw StorageError.fsyncFailed(
            "an fsync of the log failed at \(fields["time"] ?? "an unknown time") (\(fields["error"] ?? "no detail")) in this boot: "
                + "the page cache may hold log bytes that never reached the disk. Reboot, or drop the page cache "
                + "(sync; echo 3 > /proc/sys/vm/drop_caches) and run `parley wal clear-fsync-failure --data-dir \(dataDirectory)`; "
                + "nothing was changed")
    }

    /// Removes the marker (the operator's statement that the page cache was dropped).
    /// Returns whether there was one.
    @discardableResult
    public static func clear(dataDirectory: String, fileSystem fs: any FileSystem = PosixFileSystem()) throws -> Bool {
        let path = path(dataDirectory: dataDirectory)
        guard fs.fileExists(path) else { return false }
        try fs.removeFile(path)
        try fs.syncDirectory(dataDirectory)
        return true
    }

    static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return fields
    }
}
