import Foundation
import ParleyTestSupport
import Testing

/// Long commands draw their progress on a terminal and stay quiet when piped (issue 19).
@Suite struct ProgressDisplayTests {
    static let scriptTool = "/usr/bin/script"

    // script(1) is in util-linux (Debian: bsdutils, an essential package).
    @Test
    func progressIsDrawnOnATerminalOnly() async throws {
        let data = ParleyBinary.temporaryDirectory("progress")
        defer { try? FileManager.default.removeItem(atPath: data) }
        // On a terminal (a pseudo-terminal made by script(1)): a status line redrawn in place.
        let terminal = Process()
        terminal.executableURL = URL(fileURLWithPath: Self.scriptTool)
        terminal.arguments = [
            "-qec", "\(ParleyBinary.path) admin seed --data-dir \(data) --messages 30000 --quiet --fsync none", "/dev/null",
        ]
        let screen = Pipe()
        terminal.standardOutput = screen
        terminal.standardInput = FileHandle.nullDevice
        try terminal.run()
        let drawn = String(decoding: screen.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        terminal.waitUntilExit()
        #expect(terminal.terminationStatus == 0)
        #expect(drawn.contains("\r\u{1B}[Kseed: "), "\(drawn.prefix(300))")
        #expect(drawn.contains(" messages (") && drawn.contains(" left"))
        #expect(drawn.contains("seeded 30000 messages"))

        // Piped: the summary alone.
        let piped = try await ParleyBinary.run(["wal", "verify", "--data-dir", data])
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("\r") && piped.stderr.hasPrefix("ok: "))
        let seeded = try await ParleyBinary.run(["admin", "seed", "--data-dir", data, "--messages", "30000", "--quiet", "--fsync", "none"])
        #expect(seeded.status == 0 && !seeded.stderr.contains("\r") && !seeded.stderr.contains("seed: "))
    }
}
