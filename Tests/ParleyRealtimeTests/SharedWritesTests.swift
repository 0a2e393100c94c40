import NIOCore
import Testing

@testable import ParleyRealtime

/// Sessions of one flush pass that queued the very same frames share one write; anything else
/// gets its own.
@Suite struct SharedWritesTests {
    let first = WireFrame(text: Array("{\"n\":1}".utf8))
    let second = WireFrame(text: Array("{\"n\":2}".utf8))

    func make(_ frames: [WireFrame], made: inout Int) -> SharedWrites.Write {
        made += 1
        return (WireFrame.coalesced(frames), frames.count)
    }

    @Test func theSameFramesShareOneWrite() {
        var shared = SharedWrites()
        var made = 0
        let queued = [first, second]
        let one = shared.write(of: queued, batched: false) { make(queued, made: &made) }
        // Another session's outbox: its own array, the same frames.
        let other = Array([first, second])
        let two = shared.write(of: other, batched: false) { make(other, made: &made) }
        #expect(made == 1 && shared.shared == 1)
        #expect(one.bytes == two.bytes && two.frames == 2)
        #expect(one.bytes == WireFrame.coalesced(queued))
    }

    @Test func equalTextInOtherBuffersIsNotShared() {
        var shared = SharedWrites()
        var made = 0
        _ = shared.write(of: [first, second], batched: false) { make([first, second], made: &made) }
        let copies = [WireFrame(text: Array("{\"n\":1}".utf8)), WireFrame(text: Array("{\"n\":2}".utf8))]
        _ = shared.write(of: copies, batched: false) { make(copies, made: &made) }
        #expect(made == 2 && shared.shared == 0)
    }

    @Test func orderLengthAndBatchingMatter() {
        var shared = SharedWrites()
        var made = 0
        for (queued, batched) in [([first, second], false), ([second, first], false), ([second, first, second], false), ([second, first, second], true)] {
            _ = shared.write(of: queued, batched: batched) { make(queued, made: &made) }
        }
        #expect(made == 4 && shared.shared == 0)
        // A single frame goes out from its own buffer, never through the shared one.
        _ = shared.write(of: [first], batched: false) { make([first], made: &made) }
        _ = shared.write(of: [first], batched: false) { make([first], made: &made) }
        #expect(made == 6 && shared.shared == 0)
    }

    @Test func aFrameIsIdenticalOnlyToItself() {
        #expect(first.isIdentical(to: first))
        #expect(!first.isIdentical(to: WireFrame(text: Array("{\"n\":1}".utf8))))
        #expect(!first.isIdentical(to: second))
    }
}
