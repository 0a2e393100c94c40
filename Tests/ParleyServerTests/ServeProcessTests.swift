import Foundation
import ParleyTestSupport
import ParleyModel
import ParleyStorage
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real `parley` binary over real sockets: health, metrics, SIGTERM drain, kill -9.
@Suite(.serialized) struct ServeProcessTests {
    /// A server whose port is taken exits at once with a clear error, and the tests' wait for it
    /// stops when it exits rather than at its two-minute deadline (``ParleyBinary/serve(_:stderr:environment:attempts:)``
    /// then starts it again on another port).
    @Test func aServerWhosePortIsTakenExitsAndIsNotWaitedFor() async throws {
        let data = ParleyBinary.temporaryDirectory("port-taken")
        defer { try? FileManager.default.removeItem(atPath: data) }
        // Holds a port: listening, never answering.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) } }
        #expect(bound == 0 && listen(holder, 1) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(holder, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))

        let errors = Pipe()
        let server = try ParleyBinary.start(["serve", "--port", "\(port)", "--data-dir", data], stderr: errors.fileHandleForWriting)
        let started = ContinuousClock.now
        #expect(await ParleyBinary.waitUntilHealthy(port: port, process: server) == false)
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(await ParleyBinary.waitForExit(server, timeout: .seconds(10)))
        #expect(server.terminationStatus != 0)
        try errors.fileHandleForWriting.close()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("Address already in use"), "\(message.suffix(300))")
    }

    /// A server that cannot start at all is tried a few times, and the error says why.
    @Test func aServerThatCannotStartIsReportedWithItsError() async throws {
        let started = ContinuousClock.now
        do {
            _ = try await ParleyBinary.serve(["--no-such-option"], attempts: 2)
            Issue.record("parley serve --no-such-option started")
        } catch let error as ParleyBinary.NotHealthy {
            #expect(error.attempts == 2)
            #expect(error.output.contains("no-such-option"), "\(error.output)")
        }
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func sigtermDrainsLeavesASnapshotAndTheNextStartReplaysNothing() async throws {
        let data = ParleyBinary.temporaryDirectory("sigterm")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let seeded = try await ParleyBinary.run(["admin", "seed", "--data-dir", data, "--messages", "300", "--quiet"])
        #expect(seeded.status == 0, "\(seeded.stderr)")

        let (server, port) = try await ParleyBinary.serve(["--data-dir", data])
        defer { ParleyBinary.stop(server) }

        let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        let metrics = String(decoding: body, as: UTF8.self)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        for name in ["parley_messages 300", "parley_conversations 10", "parley_log_batch_records", "parley_snapshot_seconds"] {
            #expect(metrics.contains(name), "metrics lack \(name)")
        }
        // The lock keeps offline tools away from a live data directory.
        let locked = try await ParleyBinary.run(["snapshot", "create", "--data-dir", data])
        #expect(locked.status == 1)
        #expect(locked.stderr.contains("in use"))

        let started = ContinuousClock.now
        server.terminate()  // SIGTERM
        #expect(await ParleyBinary.waitForExit(server, timeout: .seconds(10)))
        #expect(server.terminationStatus == 0)
        #expect(ContinuousClock.now - started < .seconds(10))

        let store = try EventStore.open(StorageConfiguration(dataDirectory: data))
        defer { store.close() }
        #expect(store.startReport.snapshot != nil)
        #expect(store.startReport.replayedRecords == 0)
        #expect(store.read { $0.messageCount } == 300)
    }

    @Test func theEnvironmentConfiguresServe() async throws {
        let data = ParleyBinary.temporaryDirectory("env")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let port = ParleyBinary.freePort()
        let server = try ParleyBinary.start(
            ["serve"], environment: ["PARLEY_PORT": "\(port)", "PARLEY_DATA_DIR": data, "PARLEY_FSYNC": "interval:20"])
        defer { ParleyBinary.stop(server) }
        #expect(await ParleyBinary.waitUntilHealthy(port: port))
        #expect(FileManager.default.fileExists(atPath: data + "/LOCK"))
        server.terminate()
        #expect(await ParleyBinary.waitForExit(server, timeout: .seconds(10)))
        #expect(server.terminationStatus == 0)
        let bad = try ParleyBinary.start(["serve"], environment: ["PARLEY_FSYNC": "sometimes"])
        bad.waitUntilExit()
        #expect(bad.terminationStatus == 2)
    }

    @Test func kill9LosesNothingAcknowledged() async throws {
        let data = ParleyBinary.temporaryDirectory("kill9")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let output = Pipe()
        let writer = try ParleyBinary.start(
            ["admin", "seed", "--data-dir", data, "--messages", "5000000", "--conversations", "20", "--concurrency", "64"],
            stdout: output)
        // Read acknowledgements until there are plenty, then kill -9 mid-stream.
        var acknowledged = Data()
        let deadline = ContinuousClock.now + .seconds(60)
        // Complete lines only: a partial last line is not an acknowledgement yet (counting it
        // made this test fail now and then with 2,999).
        while acknowledged.count(where: { $0 == UInt8(ascii: "\n") }) < 3000 && ContinuousClock.now < deadline {
            acknowledged += output.fileHandleForReading.availableData
        }
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
        #expect(writer.terminationReason == .uncaughtSignal)
        // Only complete lines are acknowledgements that reached us.
        let lines = acknowledged.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
            .dropLast(acknowledged.last == UInt8(ascii: "\n") ? 0 : 1)
        struct Ack: Decodable {
            var conversation_id: String
            var seq: UInt64
            var message_id: String
        }
        let acks = try lines.map { try JSONDecoder().decode(Ack.self, from: Data($0)) }
        #expect(acks.count >= 3000)

        let store = try EventStore.open(StorageConfiguration(dataDirectory: data))
        defer { store.close() }
        for ack in acks {
            let conversation = try #require(NativeID.parse(ack.conversation_id, as: ConversationID.self))
            let stored = store.read { $0.conversations[conversation]?.message(seq: ack.seq) }
            #expect(stored.map { NativeID.format($0.id) } == ack.message_id, "acknowledged \(ack.message_id) lost")
        }
        let gapless = store.read { state in
            state.conversations.values.allSatisfy { log in log.hotMessages.enumerated().allSatisfy { $0.element.seq == log.coldThrough + UInt64($0.offset + 1) } }
        }
        #expect(gapless)
    }
}
