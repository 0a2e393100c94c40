public import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs the built `parley` executable (the same binary `make run` serves with).
public enum ParleyBinary {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static var path: String {
        let candidates = [".build/debug/parley", ".build/release/parley"].map { packageRoot.appendingPathComponent($0).path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `parley` with `arguments` to completion, waiting on a thread of its own: the
    /// blocking reads and wait of ``runBlocking(_:)`` on a task's thread would hold one of the
    /// cooperative pool's threads (two on this machine) for the whole run, and every other test's
    /// tasks, timers included, would queue behind it in a parallel run.
    public static func run(_ arguments: [String]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try runBlocking(arguments) }) }.start()
        }
    }

    /// Runs `parley` with `arguments` to completion on the calling thread.
    private static func runBlocking(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts `parley` and leaves it running.
    public static func start(
        _ arguments: [String], stdout: Pipe? = nil, stderr: FileHandle? = nil, environment: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = stderr ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    /// What ``serve(_:stderr:environment:attempts:)`` reports when no attempt became healthy.
    public struct NotHealthy: Error, CustomStringConvertible {
        public var attempts: Int
        /// The end of the last attempt's standard error (when the caller did not take it).
        public var output: String
        public var description: String { "parley serve did not answer GET /health after \(attempts) attempts: \(output)" }
    }

    /// Starts `parley serve --port <a free port>` with `arguments` and returns once it answers
    /// `GET /health`. A port free a moment ago can be taken before the server binds it (another
    /// test's outgoing connection draws its local port from the same range; the server then
    /// exits with "Address already in use", and a full run of the suite met that on CI), so a
    /// server that exits before it is healthy is started again on another port, up to
    /// `attempts` times.
    public static func serve(
        _ arguments: [String], stderr: FileHandle? = nil, environment: [String: String] = [:], attempts: Int = 5
    ) async throws -> (process: Process, port: Int) {
        var output = ""
        for _ in 0..<attempts {
            let port = freePort()
            // Unless the caller takes it, standard error goes to an unlinked file, read only
            // when the server fails to start, so the failure says why.
            let (writer, reader) = try stderr == nil ? unlinkedFile() : (nil, nil)
            defer {
                try? writer?.close()
                try? reader?.close()
            }
            let process = try start(["serve", "--port", "\(port)"] + arguments, stderr: stderr ?? writer, environment: environment)
            if await waitUntilHealthy(port: port, process: process) { return (process, port) }
            let running = process.isRunning
            if running { stop(process) }
            output = String(decoding: (reader?.readDataToEndOfFile() ?? Data()).suffix(2_000), as: UTF8.self)
            // Running but never healthy: not a port taken; another port would not help.
            if running { break }
        }
        throw NotHealthy(attempts: attempts, output: output)
    }

    /// A file open for writing and for reading, already removed from its directory.
    private static func unlinkedFile() throws -> (FileHandle, FileHandle) {
        let path = temporaryDirectory("stderr")
        FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return (try FileHandle(forWritingTo: URL(fileURLWithPath: path)), try FileHandle(forReadingFrom: URL(fileURLWithPath: path)))
    }

    /// Like ``waitUntilHealthy(port:timeout:)``, but `false` as soon as `process` has exited.
    public static func waitUntilHealthy(port: Int, process: Process, timeout: Duration = .seconds(120)) async -> Bool {
        await waitUntilHealthy(port: port, timeout: timeout, while: { process.isRunning })
    }

    /// A fresh temporary directory path (not created).
    public static func temporaryDirectory(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("parley-\(name)-\(UUID().uuidString)").path
    }

    /// Waits until `GET /health` answers 200, or until the deadline has passed *and* the server was asked
    /// ``healthAttempts`` times. In a parallel run of the whole suite on two cores a test's task can wait tens of
    /// seconds for a thread while dozens of debug servers start at once; counting attempts keeps such a wait
    /// from being read as a server that never came up (a server that cannot start still fails: every attempt
    /// is refused).
    public static func waitUntilHealthy(port: Int, timeout: Duration = .seconds(120)) async -> Bool {
        await waitUntilHealthy(port: port, timeout: timeout, while: { true })
    }

    private static func waitUntilHealthy(port: Int, timeout: Duration, while alive: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/health")!)
        request.timeoutInterval = 10
        var attempts = 0
        while (attempts < healthAttempts || ContinuousClock.now < deadline) && alive() {
            attempts += 1
            if let (_, response) = try? await URLSession.shared.data(for: request),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// The fewest `GET /health` requests ``waitUntilHealthy(port:timeout:)`` makes before it gives up.
    private static let healthAttempts = 100

    /// Sends SIGTERM and waits (on the calling thread, for a `defer`) until the process has
    /// exited: a server still draining writes its final snapshot, and would bring back a data
    /// directory a test removes right after. SIGKILL past `timeout`.
    public static func stop(_ process: Process, timeout: Duration = .seconds(20)) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits for a process to exit; `false` if it is still running at the deadline.
    public static func waitForExit(_ process: Process, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    /// A port that was free a moment ago (bound to port 0 and released).
    public static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
