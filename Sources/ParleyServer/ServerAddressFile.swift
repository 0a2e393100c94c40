public import Foundation

/// `<data dir>/server.json`: where the server that holds the data directory listens, written at
/// start and removed at a clean stop, so that `parley admin --data-dir …` finds it. Trusted only
/// while the directory's `LOCK` is held (a `kill -9` leaves a stale file behind).
public struct ServerAddressFile: Codable, Sendable, Equatable {
    public static let fileName = "server.json"
    /// The base URL to reach the server on this machine, e.g. `http://127.0.0.1:8080`.
    public var url: String
    public var pid: Int32
    /// The certificate it serves with `https`, which a local client may trust.
    public var tls_certificate: String?

    public init(url: String, pid: Int32, tls_certificate: String?) {
        self.url = url
        self.pid = pid
        self.tls_certificate = tls_certificate
    }

    /// The URL a local client uses for a server bound to `host`: a wildcard address is reached
    /// through loopback.
    public static func localURL(host: String, port: Int, tls: Bool) -> String {
        let reachable: String =
            switch host {
            case "0.0.0.0", "": "127.0.0.1"
            case "::", "[::]": "[::1]"
            default: host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            }
        return "\(tls ? "https" : "http")://\(reachable):\(port)"
    }

    public static func path(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent(fileName)
    }

    public func write(dataDirectory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(dataDirectory: dataDirectory)), options: .atomic)
    }

    public static func read(dataDirectory: String) -> ServerAddressFile? {
        guard let data = FileManager.default.contents(atPath: path(dataDirectory: dataDirectory)) else { return nil }
        return try? JSONDecoder().decode(ServerAddressFile.self, from: data)
    }

    public static func remove(dataDirectory: String) {
        try? FileManager.default.removeItem(atPath: path(dataDirectory: dataDirectory))
    }
}
