#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// The append-only file of `resp-floor`, used on its one event loop only, done as redis does
/// with `appendfsync always`: commands read in one pass of the event loop are appended to a
/// buffer, and once the pass's reads are handled the buffer is written and `fdatasync`ed, and
/// only then are their replies written (each client's in one write).
final class AppendOnlyFile {
    private let descriptor: Int32
    private var buffer: ByteBuffer
    /// The connections waiting for the pending commands' replies, with those replies.
    private var waiting: [(context: ChannelHandlerContext, reply: ByteBuffer)] = []
    private var scheduled = false

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FloorError.cannotOpen(path, errno) }
        buffer = ByteBufferAllocator().buffer(capacity: 1 << 16)
    }

    deinit { close(descriptor) }

    /// Appends `command`; `reply` goes to `context` once it is durable.
    func append(_ command: ByteBuffer, reply: ByteBuffer, for context: ChannelHandlerContext) {
        var command = command
        buffer.writeBuffer(&command)
        waiting.append((context, reply))
        guard !scheduled else { return }
        scheduled = true
        // A task runs after the event loop has handled every channel made ready in this pass.
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { bound.value.sync() }
    }

    /// Writes a reply that needs no durability, after those that wait for it.
    func reply(_ reply: ByteBuffer, to context: ChannelHandlerContext) {
        if waiting.isEmpty {
            context.writeAndFlush(NIOAny(reply), promise: nil)
        } else {
            waiting.append((context, reply))
        }
    }

    private func sync() {
        scheduled = false
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    guard errno == EINTR else { fatalError("resp-floor: write failed: errno \(errno)") }
                    continue
                }
                offset += written
            }
        }
        guard fdatasync(descriptor) == 0 else { fatalError("resp-floor: fdatasync failed: errno \(errno)") }
        buffer.clear()
        let replies = waiting
        waiting.removeAll(keepingCapacity: true)
        // One write per connection: its replies are written, then each connection flushed once.
        for (context, reply) in replies { context.write(NIOAny(reply), promise: nil) }
        var flushed = Set<ObjectIdentifier>()
        for (context, _) in replies where flushed.insert(ObjectIdentifier(context)).inserted { context.flush() }
    }
}

enum FloorError: Error {
    case cannotOpen(String, Int32)
}
