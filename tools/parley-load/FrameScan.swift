#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Reads the few fields the harness needs out of a server frame's bytes, without a JSON parser
/// or a `String` (the harness must not be the bottleneck): the frame type, a message's `seq`,
/// and the send stamp `t=<ns>;` the harness put at the start of the content.
enum FrameScan {
    /// A byte pattern the harness looks for, made once rather than for every frame, and the
    /// byte of it the search jumps to (with `memchr`): one that is rare in the frames, so few
    /// candidates need comparing (a quote or a `t` comes every few bytes of JSON, a `q` or an
    /// `=` hardly ever).
    struct Marker: Sendable {
        let bytes: [UInt8]
        let anchor: Int

        init(_ text: String, anchor: Character? = nil) {
            let bytes = Array(text.utf8)
            self.bytes = bytes
            self.anchor = anchor.flatMap { $0.asciiValue }.flatMap { bytes.firstIndex(of: $0) } ?? 0
        }

        init(bytes: [UInt8]) {
            self.bytes = bytes
            anchor = 0
        }

        /// The pair `"type":"<type>"` (a frame's type comes first in the servers' frames, so the
        /// first quote is the usual hit).
        static func type(_ type: String) -> Marker { Marker(#""type":"\#(type)""#) }

        static let message = type("message")
        static let ack = type("ack")
        static let messageAck = type("message.ack")
        static let pong = type("pong")
        static let seq = Marker(#""seq":"#, anchor: "q")
        static let stamp = Marker("t=", anchor: "=")
    }

    /// Whether the frame's type is `type`. (Key order in the server's JSON is not fixed, and a
    /// message's inner object has a `type` of its own, so look for the pair, not the first key.)
    static func isType(_ type: Marker, _ frame: ByteBuffer) -> Bool {
        find(type, in: frame) != nil
    }

    /// The decimal number right after `marker`, looked for from `start` (a byte offset into
    /// the readable bytes).
    static func integer(after marker: Marker, in frame: ByteBuffer, from start: Int = 0) -> (value: UInt64, end: Int)? {
        frame.withUnsafeReadableBytes { bytes in
            guard let found = find(marker, in: bytes, from: start) else { return nil }
            var value: UInt64 = 0
            var end = found
            while end < bytes.count, bytes[end] >= 48 && bytes[end] <= 57 {
                value = value &* 10 &+ UInt64(bytes[end] - 48)
                end += 1
            }
            return end > found ? (value, end) : nil
        }
    }

    static func seq(_ frame: ByteBuffer) -> UInt64? { integer(after: .seq, in: frame)?.value }
    static func stamp(_ frame: ByteBuffer) -> UInt64? { integer(after: .stamp, in: frame)?.value }

    /// A message's `seq` and the send stamp in its content. The servers measured write the
    /// stamp after the `seq` (the content follows it), so it is looked for there first, past
    /// the keys' many `t`s, and from the start only when it is not there.
    static func seqAndStamp(_ frame: ByteBuffer) -> (seq: UInt64, stamp: UInt64)? {
        guard let seq = integer(after: .seq, in: frame) else { return nil }
        guard let stamp = integer(after: .stamp, in: frame, from: seq.end) ?? integer(after: .stamp, in: frame) else { return nil }
        return (seq.value, stamp.value)
    }

    static func find(_ needle: [UInt8], in frame: ByteBuffer) -> Int? { find(Marker(bytes: needle), in: frame) }

    /// The offset just past the first occurrence of `marker` in the frame's readable bytes.
    static func find(_ marker: Marker, in frame: ByteBuffer) -> Int? {
        frame.withUnsafeReadableBytes { find(marker, in: $0, from: 0) }
    }

    /// The offset just past the first occurrence of `marker` in `haystack` at or after `start`:
    /// `memchr` to each occurrence of the marker's anchor byte, then the whole marker compared
    /// around it. (Jumping to every quote or `t` with `memchr` and comparing the rest with `memcmp`
    /// was 21 % of the harness's CPU in a room; a plain loop over every byte 13 %.)
    static func find(_ marker: Marker, in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        marker.bytes.withUnsafeBufferPointer { needle in
            guard let base = haystack.baseAddress, !needle.isEmpty, start >= 0 else { return nil }
            let length = needle.count
            let anchor = marker.anchor
            // Candidates for the anchor lie in [start + anchor, count - length + anchor].
            var from = start + anchor
            while from <= haystack.count - length + anchor {
                guard let hit = memchr(base + from, Int32(needle[anchor]), haystack.count - length + anchor - from + 1) else {
                    return nil
                }
                let at = base.distance(to: UnsafeRawPointer(hit)) - anchor
                var matched = 0
                while matched < length, haystack[at + matched] == needle[matched] { matched += 1 }
                if matched == length { return at + length }
                from = at + anchor + 1
            }
            return nil
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
