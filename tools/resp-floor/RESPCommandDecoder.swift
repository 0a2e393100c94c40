import NIOCore

/// One client command: its arguments (the first is the command's name) and the command's own
/// bytes as they arrived, which is what an append-only file keeps (as redis's does).
struct RESPCommand {
    let arguments: [ByteBuffer]
    let raw: ByteBuffer
}

/// Reads RESP commands (arrays of bulk strings, as redis clients send them) out of the byte
/// stream. A malformed command is an error, which closes the connection.
struct RESPCommandDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPCommand

    enum Malformed: Error { case notAnArray, notABulkString, badLength }

    /// The largest argument accepted (redis's own limit is 512 MB; this tool needs 110 bytes).
    static let maxArgumentBytes = 1 << 20
    /// The most arguments a command may have (a SET has three): a larger count is refused before
    /// anything is reserved for it.
    static let maxArguments = 1024

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var cursor = buffer
        guard let count = try Self.line(&cursor, marker: UInt8(ascii: "*"), malformed: .notAnArray) else { return .needMoreData }
        guard count <= Self.maxArguments else { throw Malformed.badLength }
        var arguments: [ByteBuffer] = []
        arguments.reserveCapacity(count)
        for _ in 0..<count {
            guard let length = try Self.line(&cursor, marker: UInt8(ascii: "$"), malformed: .notABulkString) else {
                return .needMoreData
            }
            guard length <= Self.maxArgumentBytes else { throw Malformed.badLength }
            guard cursor.readableBytes >= length + 2, let argument = cursor.readSlice(length: length) else { return .needMoreData }
            cursor.moveReaderIndex(forwardBy: 2)
            arguments.append(argument)
        }
        let consumed = cursor.readerIndex - buffer.readerIndex
        let raw = buffer.readSlice(length: consumed)!
        context.fireChannelRead(wrapInboundOut(RESPCommand(arguments: arguments, raw: raw)))
        return .continue
    }

    /// `<marker><decimal>\r\n`: the decimal, or nil while the line is incomplete.
    private static func line(_ cursor: inout ByteBuffer, marker: UInt8, malformed: Malformed) throws -> Int? {
        guard let first: UInt8 = cursor.getInteger(at: cursor.readerIndex) else { return nil }
        guard first == marker else { throw malformed }
        let digitsStart = cursor.readerIndex + 1
        var value = 0
        var index = digitsStart
        while true {
            guard let byte: UInt8 = cursor.getInteger(at: index) else { return nil }
            if byte == UInt8(ascii: "\r") { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), index - digitsStart < 9 else { throw Malformed.badLength }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            index += 1
        }
        guard index > digitsStart else { throw Malformed.badLength }
        guard let lf: UInt8 = cursor.getInteger(at: index + 1) else { return nil }
        guard lf == UInt8(ascii: "\n") else { throw Malformed.badLength }
        cursor.moveReaderIndex(to: index + 2)
        return value
    }
}
