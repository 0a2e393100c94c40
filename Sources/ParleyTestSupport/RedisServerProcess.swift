public import Foundation
public import ParleyRedis

/// A real `redis-server` (Debian's, installed by `make test`'s recipe) on a free loopback port
/// with its data in a temporary directory: AOF on, `appendfsync always`, as a cluster runs it.
public final class RedisServerProcess: @unchecked Sendable {
    // @unchecked: `process` is replaced only by `restart()`, which a test calls from its one task
    // between kill() and further use; Process itself is thread-safe for the calls made here
    // (isRunning, waitUntilExit, processIdentifier).
    public let port: Int
    public let directory: URL
    /// More `redis-server` options (`--replicaof …`).
    let arguments: [String]
    private var process: Process

    public init(arguments: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        self.arguments = arguments
        process = try Self.launch(port: port, directory: directory, arguments: arguments)
        try waitUntilReady()
    }

    public var configuration: RedisConfiguration {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.commandTimeout = .seconds(5)
        configuration.reconnectWindow = .seconds(10)
        return configuration
    }

    private static func launch(port: Int, directory: URL, arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--dir", directory.path, "--appendonly", "yes", "--appendfsync", "always",
            "--save", "", "--daemonize", "no", "--loglevel", "warning",
        ] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// SIGKILL, as a crashed machine would stop it.
    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Starts it again on the same port and directory (its AOF replays).
    public func restart() throws {
        process = try Self.launch(port: port, directory: directory, arguments: arguments)
        try waitUntilReady()
    }

    /// SIGKILL too: a child spawned from a test thread inherits that thread's signal mask, in
    /// which SIGTERM is blocked, and the directory goes anyway.
    public func stop() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    private func waitUntilReady() throws {
        for _ in 0..<200 {
            if let reply = try? Self.ping(port: port), reply.hasPrefix("+PONG") { return }
            usleep(25_000)
        }
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "redis-server did not start on port \(port)"])
    }

    /// PING over a plain socket (not through the code under test).
    private static func ping(port: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let ping = Array("PING\r\n".utf8)
        _ = write(fd, ping, ping.count)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &buffer, buffer.count)
        return String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
