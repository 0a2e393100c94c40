public import Foundation
import ParleyLog

/// A secret the server keeps in its data directory (`jwt-secret`, `admin-token`, a cluster
/// node's `cluster-jwt-secret`): written with mode 0600, fsynced, then its directory fsynced, so
/// a power loss cannot forget a key that already signed tokens or was handed to an operator.
public enum SecretFile {
    public static func create(_ contents: Data, at path: String, in directory: String) throws {
        let disk = PosixFileSystem()
        try disk.createDirectoryDurably(directory)
        guard FileManager.default.createFile(atPath: path, contents: contents, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        try handle.synchronize()
        try handle.close()
        try disk.syncDirectory(directory)
    }
}
