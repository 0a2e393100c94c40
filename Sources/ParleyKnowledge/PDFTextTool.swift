import Foundation

/// PDF → text through `pdftotext` (Debian's poppler-utils), run as a child process on a
/// temporary copy of the upload, with a time limit. Its exit status tells a damaged PDF
/// (unparsable, with the tool's own message) from a missing tool (unavailable).
public struct PDFTextTool: Sendable {
    public var executable: String?
    public var timeout: Duration

    /// `executable` nil: `pdftotext` found on `PATH` when needed.
    public init(executable: String? = nil, timeout: Duration = .seconds(30)) {
        self.executable = executable
        self.timeout = timeout
    }

    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func text(_ bytes: [UInt8]) async throws(ExtractionError) -> String {
        guard let tool = executable ?? Self.onPath("pdftotext") else {
            throw .unavailable("PDF text extraction needs pdftotext (Debian's poppler-utils), which is not installed")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-pdf-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.pdf")
        let output = directory.appendingPathComponent("out.txt")
        let errors = directory.appendingPathComponent("err.txt")
        let status: Int32
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: input)
            _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
            status = try await run(tool, ["-enc", "UTF-8", "-eol", "unix", input.path, output.path], stderr: errors)
        } catch let error as ExtractionError {
            throw error
        } catch {
            throw .unavailable("pdftotext could not be run: \(error)")
        }
        guard status == 0, let data = try? Data(contentsOf: output) else {
            let message = (try? String(contentsOf: errors, encoding: .utf8))?.split(separator: "\n").first.map(String.init)
            throw .unparsable("pdftotext: " + (message ?? "exit status \(status)"))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs the tool and waits for it (killed past ``timeout``); returns its exit status.
    private func run(_ tool: String, _ arguments: [String], stderr: URL) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderr)
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            finished.continuation.yield(process.terminationStatus)
            finished.continuation.finish()
        }
        try process.run()
        let pid = process.processIdentifier
        let limit = timeout
        // The watchdog kills the tool past the limit and says so; a tool that exits first
        // cancels it (so it never signals a pid that may have been reused).
        let watchdog = Task { () -> Bool in
            do {
                try await Task.sleep(for: limit)
            } catch {
                return false
            }
            kill(pid, SIGKILL)
            return true
        }
        var status: Int32 = -1
        for await code in finished.stream { status = code }
        watchdog.cancel()
        if await watchdog.value { throw ExtractionError.unparsable("pdftotext took longer than \(limit) and was stopped") }
        return status
    }
}
