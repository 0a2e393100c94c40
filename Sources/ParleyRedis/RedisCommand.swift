import CHiredis
public import NIOCore

/// One Redis command as it goes on the wire, formatted by hiredis (`redisFormatCommandArgv`:
/// RESP's array of bulk strings, binary-safe).
///
/// ```swift
/// let command = RedisCommand("XADD", "parley:log", "0-7", "t", "3", "p", payload)
/// ```
public struct RedisCommand: Sendable, CustomStringConvertible {
    /// The RESP bytes of the command.
    public let bytes: ByteBuffer
    /// The command's name, for errors and logs (never its arguments: they may be payloads).
    public let name: String

    public init(_ arguments: RedisArgument...) {
        self.init(arguments)
    }

    public init(_ arguments: [RedisArgument]) {
        precondition(!arguments.isEmpty, "a Redis command has at least its name")
        name = arguments[0].text
        // hiredis wants every argument's address at once: the arguments are laid end to end in
        // one array and pointed into.
        var storage: [UInt8] = []
        storage.reserveCapacity(arguments.reduce(0) { $0 + $1.count })
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            argument.append(to: &storage)
            lengths.append(argument.count)
        }
        var formatted: UnsafeMutablePointer<CChar>?
        let length = storage.withUnsafeBufferPointer { all -> Int32 in
            var starts: [UnsafePointer<CChar>?] = []
            starts.reserveCapacity(arguments.count)
            var offset = 0
            let base = UnsafeRawPointer(all.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            for length in lengths {
                starts.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return redisFormatCommandArgv(&formatted, Int32(arguments.count), &starts, lengths)
        }
        guard length >= 0, let formatted else { fatalError("hiredis could not format a command (out of memory)") }
        defer { redisFreeCommand(formatted) }
        var bytes = ByteBufferAllocator().buffer(capacity: Int(length))
        bytes.writeBytes(UnsafeRawBufferPointer(start: formatted, count: Int(length)))
        self.bytes = bytes
    }

    public var description: String { name }
}

/// One argument of a ``RedisCommand``: text, bytes or a number (sent as its decimal text, as
/// Redis expects).
public enum RedisArgument: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case text(String)
    case bytes(ByteBuffer)
    case integer(Int64)

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }

    var count: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .bytes(let bytes): bytes.readableBytes
        case .integer(let value): String(value).utf8.count
        }
    }

    var text: String {
        switch self {
        case .text(let text): text
        case .bytes(let bytes): String(buffer: bytes)
        case .integer(let value): String(value)
        }
    }

    func append(to storage: inout [UInt8]) {
        switch self {
        case .text(let text): storage.append(contentsOf: text.utf8)
        case .bytes(let bytes): bytes.withUnsafeReadableBytes { storage.append(contentsOf: $0) }
        case .integer(let value): storage.append(contentsOf: String(value).utf8)
        }
    }
}
