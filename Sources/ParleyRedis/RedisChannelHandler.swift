public import NIOCore
import Synchronization

/// A command on its way to Redis and the promise its reply completes.
public struct RedisRequest: Sendable {
    public var command: RedisCommand
    public var promise: EventLoopPromise<RedisValue>

    public init(command: RedisCommand, promise: EventLoopPromise<RedisValue>) {
        self.command = command
        self.promise = promise
    }
}

/// The pipeline handler of one Redis connection: writes each command's bytes, feeds what comes
/// back to a ``RedisReplyReader``, and completes the commands' promises in the order they were
/// written (Redis answers in order), so any number of commands may be in flight: pipelining.
///
/// On a subscriber connection (`push` set), `message` and `pmessage` arrays are handed to
/// `push` instead; the rest (subscribe confirmations) answer commands as usual.
///
/// A protocol error, a command without a reply within `timeout`, or the connection closing
/// fails every command in flight: after any of these a later reply could no longer be matched
/// to its command, so the connection is closed.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<RedisValue>
        var deadline: NIODeadline
    }

    private let reader: RedisReplyReader
    private let liveness: RedisConnectionLiveness
    private let timeout: TimeAmount
    private let push: (@Sendable (RedisValue) -> Void)?
    private var pending = CircularBuffer<Pending>()
    /// Why the connection ended, once it has: later commands fail with it at once.
    private var ended: RedisError?
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, maxReplyBytes: Int, liveness: RedisConnectionLiveness, push: (@Sendable (RedisValue) -> Void)? = nil) {
        self.reader = RedisReplyReader(maxReplyBytes: maxReplyBytes)
        self.liveness = liveness
        self.timeout = timeout
        self.push = push
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let ended {
            request.promise.fail(ended)
            promise?.fail(ended)
            return
        }
        pending.append(Pending(promise: request.promise, deadline: .now() + timeout))
        if timer == nil { armTimer(context: context) }
        context.write(wrapOutboundOut(request.command.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try reader.feed(unwrapInboundIn(data))
            while let value = try reader.next() {
                if let push, Self.isPush(value) {
                    push(value)
                } else if let first = pending.popFirst() {
                    first.promise.succeed(value)
                } else {
                    throw RedisError.protocolError("a reply that no command asked for")
                }
            }
        } catch let error as RedisError {
            end(context: context, error)
        } catch {
            end(context: context, .protocolError("\(error)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(with: ended ?? .connectionClosed("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(context: context, .connectionClosed("\(error)"))
    }

    private static func isPush(_ value: RedisValue) -> Bool {
        guard case .array(let items) = value, let kind = items.first?.string else { return false }
        return kind == "message" || kind == "pmessage"
    }

    /// One timer at a time, for the oldest command in flight.
    private func armTimer(context: ChannelHandlerContext) {
        guard let oldest = pending.first else {
            timer = nil
            return
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: oldest.deadline) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            if let first = handler.pending.first, first.deadline <= .now() {
                handler.end(context: context, .timeout)
            } else {
                handler.armTimer(context: context)
            }
        }
    }

    private func end(context: ChannelHandlerContext, _ error: RedisError) {
        guard ended == nil else { return }
        ended = error
        fail(with: error)
        context.close(promise: nil)
    }

    private func fail(with error: RedisError) {
        if ended == nil { ended = error }
        liveness.end()
        timer?.cancel()
        timer = nil
        while let request = pending.popFirst() { request.promise.fail(error) }
    }
}

/// Whether a connection has ended, readable from any thread: a connection ends in its handler (a
/// timeout, a protocol error) before its channel has finished closing, and no command may be
/// sent to it meanwhile.
final class RedisConnectionLiveness: Sendable {
    private let ended = Atomic(false)

    var hasEnded: Bool { ended.load(ordering: .acquiring) }

    func end() { ended.store(true, ordering: .releasing) }
}
