import NIOCore
import ParleyRedis
import ParleyTestSupport
import Testing

/// hiredis's reader and formatter through the Swift seam, without a socket.
@Suite struct RedisReplyReaderTests {
    private func read(_ wire: String, in pieces: Int = 1) throws -> [RedisValue] {
        let reader = RedisReplyReader()
        let bytes = Array(wire.utf8)
        var values: [RedisValue] = []
        let size = max(1, (bytes.count + pieces - 1) / pieces)
        for start in stride(from: 0, to: bytes.count, by: size) {
            try reader.feed(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + size)]))
            while let value = try reader.next() { values.append(value) }
        }
        return values
    }

    @Test func everyReplyKind() throws {
        let wire = "+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhe\r\no\r\n$0\r\n\r\n$-1\r\n*-1\r\n*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n*0\r\n"
        let expected: [RedisValue] = [
            .simple("OK"), .error("ERR wrong"), .integer(42), .integer(-7), .bulk(ByteBuffer(string: "he\r\no")), .bulk(ByteBuffer()),
            .null, .null, .array([.integer(1), .array([.bulk(ByteBuffer(string: "a")), .null]), .array([])]),
        ]
        #expect(try read(wire) == expected)
        // The same bytes a byte at a time: replies come out whole and in order.
        #expect(try read(wire, in: wire.utf8.count) == expected)
    }

    @Test func binaryBulkStringsKeepEveryByte() throws {
        let payload: [UInt8] = [0, 13, 10, 255, 36, 42]
        let reader = RedisReplyReader()
        try reader.feed(ByteBuffer(bytes: Array("$6\r\n".utf8) + payload + Array("\r\n".utf8)))
        #expect(try reader.next() == .bulk(ByteBuffer(bytes: payload)))
        #expect(try reader.next() == nil)
    }

    @Test func aProtocolErrorEndsTheReader() throws {
        let reader = RedisReplyReader()
        try reader.feed(ByteBuffer(string: "?what\r\n"))
        #expect(throws: RedisError.self) { try reader.next() }
        // Once failed, always failed: the connection is done.
        #expect(throws: RedisError.self) { try reader.feed(ByteBuffer(string: "+OK\r\n")) }
    }

    @Test func arraysNestedDeeperThanEightAreRefused() throws {
        #expect(try read(String(repeating: "*1\r\n", count: 8) + ":1\r\n").count == 1)
        #expect(throws: RedisError.self) { try read(String(repeating: "*1\r\n", count: 9) + ":1\r\n") }
    }

    @Test func anArrayDeclaringTooManyElementsIsRefusedBeforeItIsAllocated() throws {
        // 2³¹−1 elements would have hiredis calloc 16 GiB for the pointers.
        #expect(throws: RedisError.self) { try read("*2147483647\r\n") }
        let small = RedisReplyReader(maxElements: 2)
        try small.feed(ByteBuffer(string: "*2\r\n:1\r\n:2\r\n*3\r\n"))
        #expect(try small.next() == .array([.integer(1), .integer(2)]))
        #expect(throws: RedisError.self) { try small.next() }
    }

    @Test func aReplyOverTheByteLimitIsRefused() throws {
        let reader = RedisReplyReader(maxReplyBytes: 1024)
        try reader.feed(ByteBuffer(string: "$5000\r\n"))
        #expect(throws: RedisError.self) { try reader.feed(ByteBuffer(repeating: 0x61, count: 2000)) }
    }

    @Test func commandsAreFormattedAsArraysOfBulkStrings() {
        let command = RedisCommand("SET", "key", .bytes(ByteBuffer(bytes: [0, 13, 10])), 42)
        #expect(String(buffer: command.bytes) == "*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\n\0\r\n\r\n$2\r\n42\r\n")
        #expect(command.name == "SET")
        #expect(String(buffer: RedisCommand("PING").bytes) == "*1\r\n$4\r\nPING\r\n")
        #expect(String(buffer: RedisCommand("SET", "k", "").bytes) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
    }

    @Test func formattedCommandsReadBackThroughTheReader() throws {
        // A command is an array of bulk strings: the reader reads it back as sent.
        let command = RedisCommand("XADD", "parley:log", "0-7", "p", .bytes(ByteBuffer(bytes: Array(0...255))))
        let reader = RedisReplyReader()
        try reader.feed(command.bytes)
        let value = try #require(try reader.next())
        #expect(value.array?.map { $0.bytes } == ["XADD", "parley:log", "0-7", "p"].map { ByteBuffer(string: $0) } + [ByteBuffer(bytes: Array(0...255))])
    }
}

@Suite struct RedisConfigurationTests {
    @Test func urls() throws {
        let plain = try RedisConfiguration(url: "redis://127.0.0.1:6390")
        #expect(plain.host == "127.0.0.1" && plain.port == 6390 && plain.password == nil && plain.database == 0)
        let full = try RedisConfiguration(url: "redis://:s3cret@cache.internal/2")
        #expect(full.host == "cache.internal" && full.port == 6379 && full.password == "s3cret" && full.database == 2)
        for bad in ["http://x:1", "redis://", "redis://h:0", "redis://h:99999", "redis://h:1/x"] {
            #expect(throws: RedisURLError.self) { try RedisConfiguration(url: bad) }
        }
        do {
            _ = try RedisConfiguration(url: "redis://:hunter2@h:99999")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func backoffDoublesWithJitterUpToItsCeiling() {
        var backoff = RedisBackoff(initial: .milliseconds(100), max: .seconds(1))
        var generator = SystemRandomNumberGenerator()
        let ceilings: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)]
        for ceiling in ceilings {
            let wait = backoff.next(using: &generator)
            #expect(wait >= ceiling / 2 && wait <= ceiling)
        }
        #expect(backoff.attempts == ceilings.count)
        backoff.reset()
        #expect(backoff.next(using: &generator) <= .milliseconds(100))
    }

    @Test func scriptsAreNamedByTheirSHA1() {
        // `redis-cli SCRIPT LOAD "return 1"` answers this.
        #expect(RedisScript("return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }
}
