import Foundation
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `parley serve --demo` as a user runs it: the banner names the two URLs and the login, the
/// page embeds the demo site's key, and a restart finds the same demo site instead of making
/// another.
@Suite(.serialized) struct DemoProcessTests {
    func start(_ data: String) async throws -> (process: Process, port: Int, banner: String) {
        let port = ParleyBinary.freePort()
        let stdout = Pipe()
        let process = try ParleyBinary.start(
            ["serve", "--port", "\(port)", "--data-dir", data, "--bcrypt-cost", "4", "--demo"], stdout: stdout)
        #expect(await ParleyBinary.waitUntilHealthy(port: port))
        // The banner is written before the server listens, in one write.
        let banner = String(decoding: stdout.fileHandleForReading.availableData, as: UTF8.self)
        return (process, port, banner)
    }

    func page(_ port: Int) async throws -> String {
        let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/demo")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        return String(decoding: body, as: UTF8.self)
    }

    func key(in page: String) throws -> String {
        let range = try #require(page.range(of: #"data-key="pk_[^"]+""#, options: .regularExpression))
        return String(page[range].dropFirst("data-key=\"".count).dropLast())
    }

    @Test func theDemoStartsWithOneCommandAndSurvivesARestart() async throws {
        let data = ParleyBinary.temporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(atPath: data) }
        var server = try await start(data)
        #expect(server.banner.contains("Parley demo created (site_"))
        #expect(server.banner.contains("visitor page:  http://127.0.0.1:\(server.port)/demo"))
        #expect(server.banner.contains("agent console: http://127.0.0.1:\(server.port)/console  (username demo, password parley-demo)"))
        let first = try key(in: try await page(server.port))
        kill(server.process.processIdentifier, SIGKILL)
        #expect(await ParleyBinary.waitForExit(server.process, timeout: .seconds(10)))

        server = try await start(data)
        defer { ParleyBinary.stop(server.process) }
        #expect(server.banner.contains("Parley demo ready (site_"), "a restart finds the demo site it made")
        #expect(try key(in: try await page(server.port)) == first)
    }
}
