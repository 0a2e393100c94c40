import NIOCore

/// The socket bytes made for the last session in one pass of a ``LoopFlushQueue``, kept for
/// the next session that queued the very same frames. Every subscriber of a room is sent the
/// same frames in the same order, so the sessions of one pass can share one buffer rather than
/// each copying the frames into its own (`WireFrame.coalesced`, 9.9 % of the server's CPU in
/// `room` with 1,000 subscribers; docs/PERFORMANCE.md). A batching session's joined frames are
/// shared the same way.
///
/// "The same frames" means the same buffers, not equal text: the frames are compared by where
/// their bytes are, and the kept frames are retained, so no other frame can have that address
/// while they are compared. Used on one event loop, within one pass; never kept between passes.
struct SharedWrites {
    /// What a session writes: the bytes, and how many WebSocket frames they hold.
    typealias Write = (bytes: ByteBuffer, frames: Int)

    /// The frames the kept write was made from (retained: see above).
    private var frames: [WireFrame] = []
    private var last: (batched: Bool, write: Write)?
    /// How many writes were shared rather than made (for tests).
    private(set) var shared = 0

    /// The write of `queued` for a session that does (`batched`) or does not join frames: the
    /// last one made when it was made from the same frames the same way, else `make()`'s.
    mutating func write(of queued: [WireFrame], batched: Bool, make: () -> Write) -> Write {
        // One frame is written from its own buffer: there is nothing to share.
        guard queued.count > 1 else { return make() }
        if let last, last.batched == batched, isKept(queued) {
            shared += 1
            return last.write
        }
        let write = make()
        // Copied element by element: the session's outbox keeps its own array's storage.
        frames.removeAll(keepingCapacity: true)
        frames.append(contentsOf: queued)
        last = (batched, write)
        return write
    }

    /// Whether `queued` are the kept frames, in order. Compared in place by index: a frame
    /// copied out of either array (as `zip` does) is a retain and a release of its buffer,
    /// which cost more than the comparison.
    private func isKept(_ queued: [WireFrame]) -> Bool {
        guard queued.count == frames.count else { return false }
        for index in queued.indices where !queued[index].isIdentical(to: frames[index]) { return false }
        return true
    }
}
