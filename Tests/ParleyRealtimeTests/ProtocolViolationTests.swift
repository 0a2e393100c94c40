import Foundation
import ParleyRealtime
import ParleyServer
import Testing

/// Clients that break the WebSocket protocol get the right close code (or, for a bad payload,
/// an error frame), and the server keeps serving everyone else.
@Suite struct ProtocolViolationTests {
    func agentPath(_ fixture: RealtimeFixture) -> String {
        "/ws?site_id=\(fixture.siteID)&role=support&token=\(fixture.agentToken)"
    }

    @Test func violationsCloseOneSessionNotTheServer() async throws {
        try await RealtimeFixture.withServer { fixture in
            let bystander = try await fixture.agentSocket()
            let ping = Array(#"{"type":"ping"}"#.utf8)
            // (what the client sends, the close code it must get)
            let cases: [(String, @Sendable (RawWebSocket) -> Void, UInt16)] = [
                ("unmasked client frame", { $0.sendFrame(opcode: 0x1, ping, masked: false) }, 1002),
                ("reserved opcode", { $0.sendFrame(opcode: 0x3, ping) }, 1002),
                ("invalid UTF-8 text", { $0.sendFrame(opcode: 0x1, [0x7B, 0xC3, 0x28, 0x7D]) }, 1007),
                ("continuation without a start", { $0.sendFrame(opcode: 0x0, ping) }, 1002),
                (
                    "fragmented message over 64 KiB",
                    { socket in
                        socket.sendFrame(opcode: 0x1, Array(repeating: 0x20, count: 40_000), fin: false)
                        socket.sendFrame(opcode: 0x0, Array(repeating: 0x20, count: 40_000), fin: true)
                    }, 1009
                ),
                ("one frame over 64 KiB", { $0.sendFrame(opcode: 0x1, Array(repeating: 0x20, count: 70_000)) }, 1009),
            ]
            for (name, violate, expected) in cases {
                let socket = try await RawWebSocket.connect(port: fixture.port, path: agentPath(fixture))
                // A pong first: the session is fully set up (checks installed) before it misbehaves.
                socket.sendFrame(opcode: 0x1, ping)
                #expect(await socket.readText()?.contains("pong") == true)
                violate(socket)
                let code = await socket.closeCode()
                #expect(code == expected, "\(name): closed with \(String(describing: code))")
                socket.close()
                await bystander.send(["type": "ping"])
                #expect(await bystander.next("pong") != nil, "the server still serves others after: \(name)")
            }
            await bystander.close()
        }
    }

    @Test func aFragmentedMessageWithinTheLimitIsReassembled() async throws {
        try await RealtimeFixture.withServer { fixture in
            let socket = try await RawWebSocket.connect(port: fixture.port, path: agentPath(fixture))
            socket.sendFrame(opcode: 0x1, Array(#"{"type":"#.utf8), fin: false)
            socket.sendFrame(opcode: 0x9, Array("interleaved ping".utf8))  // control frames may interleave
            socket.sendFrame(opcode: 0x0, Array(#""ping"}"#.utf8), fin: true)
            #expect(await socket.nextText()?.contains("pong") == true)
            socket.close()
        }
    }

    /// A client's close is answered with its code and its session leaves the hub.
    @Test func aClientsCloseIsAnsweredAndTheSessionLeaves() async throws {
        try await RealtimeFixture.withServer { fixture in
            let socket = try await RawWebSocket.connect(port: fixture.port, path: agentPath(fixture))
            socket.sendFrame(opcode: 0x1, Array(#"{"type":"ping"}"#.utf8))
            #expect(await socket.readText()?.contains("pong") == true)
            #expect(fixture.server.hub.sessionCount == 1)
            socket.sendFrame(opcode: 0x8, [0x0F, 0xA1] + Array("done".utf8))  // 4001
            #expect(await socket.closeCode() == 4001)
            let deadline = ContinuousClock.now + .seconds(5)
            while fixture.server.hub.sessionCount > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(fixture.server.hub.sessionCount == 0)
            socket.close()
        }
    }
}
