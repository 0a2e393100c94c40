import CHiredis
public import NIOCore

/// Reads RESP2 replies out of the bytes a connection receives, with hiredis's reply reader
/// (`redisReaderFeed`, `redisReaderGetReply`): feed whatever arrived, then take every whole
/// reply. Each reply tree hiredis builds is converted at once to a ``RedisValue`` and freed.
///
/// Limits, beyond hiredis's own (RESP2; arrays nested at most 8 deep): an array that declares
/// more than `maxElements` elements is refused before anything is allocated for it, and a
/// reply still incomplete after `maxReplyBytes` bytes is refused; either is a
/// ``RedisError/protocolError(_:)`` after which the reader (and its connection) is done.
///
/// Not thread-safe: one connection's event loop owns it.
///
/// ```swift
/// let reader = RedisReplyReader()
/// try reader.feed(buffer)
/// while let reply = try reader.next() { … }
/// ```
public final class RedisReplyReader {
    /// The most elements one array may declare (hiredis 0.14 would `calloc` room for any
    /// count up to 2³¹ at once).
    public static let defaultMaxElements = 1 << 20
    /// The most bytes one reply may take on the wire.
    public static let defaultMaxReplyBytes = 64 << 20

    private let reader: UnsafeMutablePointer<redisReader>
    private let functions: UnsafeMutablePointer<redisReplyObjectFunctions>
    private let context: UnsafeMutablePointer<ArrayLimit>
    private let maxReplyBytes: Int
    private var failure: RedisError?

    public init(maxElements: Int = RedisReplyReader.defaultMaxElements, maxReplyBytes: Int = RedisReplyReader.defaultMaxReplyBytes) {
        guard let reader = redisReaderCreate() else { fatalError("hiredis could not allocate a reader") }
        self.reader = reader
        self.maxReplyBytes = maxReplyBytes
        // The reader's own function table (hiredis's defaults, which build `redisReply` trees),
        // with array creation checked against the element limit first. The limit and hiredis's
        // own array constructor (a static function in hiredis.c, reached through the default
        // table) get to the C callback through the reader's private data, which hiredis hands
        // to every read task.
        var table = reader.pointee.fn.pointee
        context = .allocate(capacity: 1)
        context.initialize(to: ArrayLimit(maxElements: maxElements, create: table.createArray))
        table.createArray = { task, elements in
            guard let limit = task?.pointee.privdata?.assumingMemoryBound(to: ArrayLimit.self).pointee,
                elements >= 0, Int(elements) <= limit.maxElements, let create = limit.create
            else { return nil }  // hiredis reports a NULL object as an error ("Out of memory")
            return create(task, elements)
        }
        functions = .allocate(capacity: 1)
        functions.initialize(to: table)
        reader.pointee.fn = functions
        reader.pointee.privdata = UnsafeMutableRawPointer(context)
    }

    deinit {
        redisReaderFree(reader)
        functions.deinitialize(count: 1)
        functions.deallocate()
        context.deinitialize(count: 1)
        context.deallocate()
    }

    private struct ArrayLimit {
        var maxElements: Int
        var create: (@convention(c) (UnsafePointer<redisReadTask>?, Int32) -> UnsafeMutableRawPointer?)?
    }

    /// Hands the reader bytes received from the connection.
    public func feed(_ buffer: ByteBuffer) throws(RedisError) {
        if let failure { throw failure }
        let status = buffer.withUnsafeReadableBytes { bytes in
            redisReaderFeed(reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        guard status == REDIS_OK else { throw fail("the reader refused the bytes") }
        // What is buffered and not yet consumed is the reply being read.
        if reader.pointee.len - reader.pointee.pos > maxReplyBytes {
            throw fail("a reply is larger than \(maxReplyBytes) bytes")
        }
    }

    /// The next whole reply, or `nil` until more bytes arrive.
    public func next() throws(RedisError) -> RedisValue? {
        if let failure { throw failure }
        var object: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &object) == REDIS_OK else {
            throw fail(withUnsafePointer(to: reader.pointee.errstr) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) })
        }
        guard let object else { return nil }
        defer { freeReplyObject(object) }
        return Self.value(object.assumingMemoryBound(to: redisReply.self))
    }

    private func fail(_ message: String) -> RedisError {
        let error = RedisError.protocolError(message)
        failure = error
        return error
    }

    private static func value(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            var bytes = ByteBufferAllocator().buffer(capacity: reply.len)
            if let text = reply.str { bytes.writeBytes(UnsafeRawBufferPointer(start: text, count: reply.len)) }
            return .bulk(bytes)
        case REDIS_REPLY_STATUS: return .simple(text(reply))
        case REDIS_REPLY_ERROR: return .error(text(reply))
        case REDIS_REPLY_INTEGER: return .integer(Int64(reply.integer))
        case REDIS_REPLY_ARRAY:
            guard let elements = reply.element else { return .array([]) }
            return .array((0..<reply.elements).map { index in elements[index].map(value) ?? .null })
        default: return .null
        }
    }

    private static func text(_ reply: redisReply) -> String {
        guard let text = reply.str else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: text, count: reply.len), as: UTF8.self)
    }
}
