import Foundation

/// Reads the few fields the harness needs out of a server frame without a JSON parser (the
/// harness must not be the bottleneck): the frame type, a message's `seq`, and the send stamp
/// `t=<ns>;` the harness put at the start of the content.
enum FrameScan {
    /// Whether the frame's type is `type`. (Key order in the server's JSON is not fixed, and a
    /// message's inner object has a `type` of its own, so look for the pair, not the first key.)
    static func isType(_ type: String, _ text: String) -> Bool {
        text.contains(#""type":"\#(type)""#)
    }

    static func integer(after marker: String, in text: String) -> UInt64? {
        guard let range = text.range(of: marker) else { return nil }
        var value: UInt64 = 0
        var any = false
        for byte in text[range.upperBound...].utf8 {
            guard byte >= 48 && byte <= 57 else { break }
            value = value &* 10 &+ UInt64(byte - 48)
            any = true
        }
        return any ? value : nil
    }

    static func seq(_ text: String) -> UInt64? { integer(after: #""seq":"#, in: text) }
    static func stamp(_ text: String) -> UInt64? { integer(after: "t=", in: text) }

    /// A message body of about `size` bytes carrying the send stamp.
    static func content(size: Int, now: UInt64 = WallClock.nanoseconds()) -> String {
        let stamp = "t=\(now);"
        return stamp + String(repeating: "x", count: max(0, size - stamp.utf8.count))
    }
}
