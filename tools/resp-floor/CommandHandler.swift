import NIOCore

/// Answers the commands `redis-benchmark -t set` sends: `SET` (appended to the file, answered
/// `+OK` once durable), `PING`, and `CONFIG GET <name>` (answered with an empty value, which is
/// all the benchmark asks at its start); anything else gets an error.
final class CommandHandler: ChannelInboundHandler {
    typealias InboundIn = RESPCommand
    typealias OutboundOut = ByteBuffer

    private let file: AppendOnlyFile
    private static let ok = ByteBuffer(string: "+OK\r\n")
    private static let pong = ByteBuffer(string: "+PONG\r\n")

    init(file: AppendOnlyFile) { self.file = file }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let command = unwrapInboundIn(data)
        guard let name = command.arguments.first else { return }
        if Self.named(name, "SET"), command.arguments.count >= 3 {
            file.append(command.raw, reply: Self.ok, for: context)
        } else if Self.named(name, "PING") {
            file.reply(Self.pong, to: context)
        } else if Self.named(name, "CONFIG"), command.arguments.count == 3 {
            var reply = ByteBuffer(string: "*2\r\n$\(command.arguments[2].readableBytes)\r\n")
            var name = command.arguments[2]
            reply.writeBuffer(&name)
            reply.writeString("\r\n$0\r\n\r\n")
            file.reply(reply, to: context)
        } else {
            file.reply(ByteBuffer(string: "-ERR unknown command\r\n"), to: context)
        }
    }

    /// Whether `argument` is `name` (upper-case ASCII), in any case: bytes compared, no string made.
    static func named(_ argument: ByteBuffer, _ name: StaticString) -> Bool {
        guard argument.readableBytes == name.utf8CodeUnitCount else { return false }
        return argument.withUnsafeReadableBytes { bytes in
            name.withUTF8Buffer { name in
                zip(bytes, name).allSatisfy { byte, upper in byte & 0xDF == upper }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
