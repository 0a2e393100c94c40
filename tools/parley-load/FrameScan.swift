#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Reads the few fields the harness needs out of a server frame's bytes, without a JSON parser
/// or a `String` (the harness must not be the bottleneck): the frame type, a message's `seq`,
/// and the send stamp `t=<ns>;` the harness put at the start of the content.
enum FrameScan {
    /// Whether the frame's type is `type`. (Key order in the server's JSON is not fixed, and a
    /// message's inner object has a `type` of its own, so look for the pair, not the first key.)
    static func isType(_ type: String, _ frame: ByteBuffer) -> Bool {
        find(Array(#""type":"\#(type)""#.utf8), in: frame) != nil
    }

    /// The decimal number right after `marker`.
    static func integer(after marker: [UInt8], in frame: ByteBuffer) -> UInt64? {
        guard let start = find(marker, in: frame) else { return nil }
        return frame.withUnsafeReadableBytes { bytes in
            var value: UInt64 = 0
            var any = false
            for byte in bytes[start...] {
                guard byte >= 48 && byte <= 57 else { break }
                value = value &* 10 &+ UInt64(byte - 48)
                any = true
            }
            return any ? value : nil
        }
    }

    static func seq(_ frame: ByteBuffer) -> UInt64? { integer(after: seqMarker, in: frame) }
    static func stamp(_ frame: ByteBuffer) -> UInt64? { integer(after: stampMarker, in: frame) }

    private static let seqMarker = Array(#""seq":"#.utf8)
    private static let stampMarker = Array("t=".utf8)

    /// The offset just past the first occurrence of `needle` in the frame's readable bytes.
    static func find(_ needle: [UInt8], in frame: ByteBuffer) -> Int? {
        frame.withUnsafeReadableBytes { haystack in
            needle.withUnsafeBytes { needle in
                guard let base = haystack.baseAddress, let pattern = needle.baseAddress, needle.count > 0 else { return nil }
                // memchr to each candidate first byte, memcmp for the rest (memmem is not in Glibc's module).
                var offset = 0
                while haystack.count - offset >= needle.count {
                    guard let hit = memchr(base + offset, Int32(needle[0]), haystack.count - offset - needle.count + 1) else {
                        return nil
                    }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, pattern, needle.count) == 0 { return at + needle.count }
                    offset = at + 1
                }
                return nil
            }
        }
    }

    /// Each newline-delimited event of a frame (a batching session's frames hold several; a
    /// plain frame is one). Returns how many.
    @discardableResult
    static func events(_ frame: ByteBuffer, _ each: (ByteBuffer) -> Void) -> Int {
        var count = 0
        var start = frame.readerIndex
        frame.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let rest = bytes.count - offset
                let hit = memchr(base + offset, 0x0A, rest).map { base.distance(to: UnsafeRawPointer($0)) } ?? bytes.count
                each(frame.getSlice(at: start, length: hit - offset)!)
                count += 1
                start += hit - offset + 1
                offset = hit + 1
            }
        }
        return count
    }

    /// A client `message` frame to `conversation` whose content (about `size` bytes) carries the
    /// send stamp `now`.
    static func message(to conversation: String, size: Int, now: UInt64 = WallClock.nanoseconds()) -> String {
        #"{"type":"message","conversation_id":"\#(conversation)","content":"\#(content(size: size, now: now))"}"#
    }

    /// A message body of about `size` bytes carrying the send stamp.
    static func content(size: Int, now: UInt64 = WallClock.nanoseconds()) -> String {
        let stamp = "t=\(now);"
        return stamp + String(repeating: "x", count: max(0, size - stamp.utf8.count))
    }
}
