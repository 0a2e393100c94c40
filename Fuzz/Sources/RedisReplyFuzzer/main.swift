import FuzzSupport
import NIOCore
import ParleyRedis

fuzzMain { fuzz($0, $1) }

/// libFuzzer's objects refer to this symbol; it is the same test.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzz(data, size) }

/// The seam between Redis's bytes and Parley: hiredis's reply reader behind `RedisReplyReader`.
/// The first byte picks where the rest is split in two feeds. Nothing may trap or leak past the
/// limits; the replies (and the first error) must not depend on how the bytes were split; and a
/// reply that is an array of bulk strings, formatted as a command by hiredis's formatter, reads
/// back as itself.
func fuzz(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let input, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: input + 1, count: size - 1))
    let split = bytes.isEmpty ? 0 : Int(input[0]) % (bytes.count + 1)
    let whole = read([bytes[...]])
    let pieces = read([bytes[..<split], bytes[split...]])
    precondition(whole.values == pieces.values, "the replies depend on how the bytes were split")
    precondition(whole.failed == pieces.failed, "an error depends on how the bytes were split")
    for value in whole.values {
        guard case .array(let items) = value, !items.isEmpty, let arguments = bulkArguments(items) else { continue }
        let again = read([Array(RedisCommand(arguments).bytes.readableBytesView)[...]])
        precondition(again.values == [value] && !again.failed, "a command formatted from a reply does not read back as that reply")
    }
    return 0
}

private func read(_ feeds: [ArraySlice<UInt8>]) -> (values: [RedisValue], failed: Bool) {
    let reader = RedisReplyReader(maxElements: 4096, maxReplyBytes: 1 << 20)
    var values: [RedisValue] = []
    do {
        for feed in feeds {
            try reader.feed(ByteBuffer(bytes: feed))
            while let value = try reader.next() { values.append(value) }
        }
        return (values, false)
    } catch {
        return (values, true)
    }
}

private func bulkArguments(_ items: [RedisValue]) -> [RedisArgument]? {
    var arguments: [RedisArgument] = []
    for item in items {
        guard case .bulk(let bytes) = item else { return nil }
        arguments.append(.bytes(bytes))
    }
    return arguments
}
