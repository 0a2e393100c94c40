import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import resp_floor

/// `resp-floor` answers what `redis-benchmark -t set` sends, and a SET only once it is in the
/// file and synced.
@Suite struct RESPFloorTests {
    func channel(file path: String) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let file = try AppendOnlyFile(path: path)
        try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(RESPCommandDecoder()), CommandHandler(file: file)])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6390)).wait()
        return channel
    }

    func reply(_ channel: EmbeddedChannel) throws -> String? {
        try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
    }

    @Test func aSetIsAnsweredOnceItIsInTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resp-floor-\(UUID()).aof").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let channel = try channel(file: path)
        let set = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
        // Split inside a length line and inside an argument: nothing happens until it is whole.
        try channel.writeInbound(ByteBuffer(string: String(set.prefix(6))))
        try channel.writeInbound(ByteBuffer(string: String(set.dropFirst(6).prefix(20))))
        #expect(try reply(channel) == nil)
        try channel.writeInbound(ByteBuffer(string: String(set.dropFirst(26)) + "*1\r\n$4\r\nping\r\n"))
        // The PING waits behind the SET, which waits for the end of the loop's pass.
        #expect(try reply(channel) == nil)
        #expect(try String(contentsOfFile: path, encoding: .utf8).isEmpty)
        channel.embeddedEventLoop.run()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == set)
        #expect(try reply(channel) == "+OK\r\n")
        #expect(try reply(channel) == "+PONG\r\n")
        try channel.writeInbound(ByteBuffer(string: "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nsave\r\n*1\r\n$4\r\nQUIT\r\n"))
        #expect(try reply(channel) == "*2\r\n$4\r\nsave\r\n$0\r\n\r\n")
        #expect(try reply(channel) == "-ERR unknown command\r\n")
        _ = try? channel.finish()
    }

    @Test func malformedCommandsCloseTheConnection() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resp-floor-\(UUID()).aof").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for bad in ["PING\r\n", "*1\r\n+PING\r\n", "*x\r\n", "*1\r\n$99999999999\r\n", "*1\r\n$2\rX", "*999999999\r\n"] {
            let channel = try channel(file: path)
            #expect(channel.isActive)
            _ = try? channel.writeInbound(ByteBuffer(string: bad))
            #expect(!channel.isActive, "\(bad.debugDescription) is not a command")
            _ = try? channel.finish()
        }
    }

    @Test func commandNamesAreMatchedInAnyCase() {
        #expect(CommandHandler.named(ByteBuffer(string: "set"), "SET"))
        #expect(CommandHandler.named(ByteBuffer(string: "SeT"), "SET"))
        #expect(!CommandHandler.named(ByteBuffer(string: "SETX"), "SET"))
        #expect(!CommandHandler.named(ByteBuffer(string: "GET"), "SET"))
    }
}
