import ArgumentParser
import Foundation
import ParleyHTTP
import ParleyServer
import ParleyStorage

/// Where a `parley admin` subcommand acts: the running server that holds the data directory
/// (through its admin API, found by its `server.json`), a server named by `--server`, or the
/// data directory itself when no server holds it.
struct AdminTarget: ParsableArguments {
    @Option(help: "The data directory (PARLEY_DATA_DIR).") var dataDir: String = environment("DATA_DIR") ?? "./data"

    @Option(help: "A running server's base URL, e.g. http://127.0.0.1:8080 (PARLEY_SERVER). Default: the server that holds --data-dir, if one does.")
    var server: String? = environment("SERVER")

    @Option(help: "The admin token or a site's sk_ key, for a running server (PARLEY_ADMIN_TOKEN). Default: <data dir>/admin-token.")
    var token: String? = environment("ADMIN_TOKEN")

    enum Resolved {
        case offline(String)
        case online(AdminClient)
    }

    func resolve() throws -> Resolved {
        if let server {
            return .online(AdminClient(base: server, token: try credential(), trustedCertificate: nil))
        }
        guard Self.isHeld(dataDir) else { return .offline(dataDir) }
        guard let address = ServerAddressFile.read(dataDirectory: dataDir) else {
            throw CLIFailure(message: "\(dataDir) is in use by a process that did not say where it listens (no server.json): give --server")
        }
        return .online(AdminClient(base: address.url, token: try credential(), trustedCertificate: address.tls_certificate))
    }

    func credential() throws -> String {
        if let token, !token.isEmpty { return token }
        guard let stored = AdminToken.read(dataDirectory: dataDir) else {
            throw CLIFailure(
                message: "no admin token: give --token (the admin token or a site's sk_ key), or run as a user who may read \(AdminToken.path(dataDirectory: dataDir))")
        }
        return stored.value
    }

    /// Whether another process holds the data directory's lock (a missing directory is not held).
    static func isHeld(_ directory: String) -> Bool {
        guard FileManager.default.fileExists(atPath: directory) else { return false }
        do {
            _ = try DataDirectoryLock(directory: directory)
            return false
        } catch StorageError.locked {
            return true
        } catch {
            return false
        }
    }
}
