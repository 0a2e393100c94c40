import NIOCore
import Synchronization

/// The sessions of one event loop that have frames to write, flushed together in one task on
/// that loop. A fan-out to a thousand sessions thus costs each session a lock and an append,
/// and the loop one task (not one task, closure and wake-up per session); while the loop is
/// busy, later fan-outs join the batch already scheduled. With a write delay the batch is
/// written that long after its first frame (``RealtimeConfiguration/writeDelay``), so every
/// fan-out of the window shares each session's one write.
final class LoopFlushQueue: Sendable {
    let eventLoop: any EventLoop
    let writeDelay: TimeAmount

    private struct Pending: Sendable {
        var entries: [(RealtimeSession, NIOLoopBound<SessionOutlet>)] = []
        var scheduled = false
    }

    private let pending = Mutex(Pending())

    init(eventLoop: any EventLoop, writeDelay: TimeAmount = .zero) {
        self.eventLoop = eventLoop
        self.writeDelay = writeDelay
    }

    func schedule(_ session: RealtimeSession, _ outlet: NIOLoopBound<SessionOutlet>) {
        let first = pending.withLock { pending in
            pending.entries.append((session, outlet))
            defer { pending.scheduled = true }
            return !pending.scheduled
        }
        guard first else { return }
        if writeDelay > .zero {
            eventLoop.scheduleTask(in: writeDelay) { self.run() }
        } else {
            eventLoop.execute { self.run() }
        }
    }

    private func run() {
        let entries = pending.withLock { pending in
            pending.scheduled = false
            defer { pending.entries.removeAll(keepingCapacity: true) }
            return pending.entries
        }
        var native = 0
        var omni = 0
        var shared = SharedWrites()
        for (session, outlet) in entries {
            let written = outlet.value.flush(from: session, sharing: &shared)
            if session.dialect == .native { native += written } else { omni += written }
        }
        RealtimeMetrics.shared.framesSent(native, .native)
        RealtimeMetrics.shared.framesSent(omni, .omni)
    }
}

/// One ``LoopFlushQueue`` per event loop, made on first use.
final class LoopFlushQueues: Sendable {
    private let queues = Mutex<[ObjectIdentifier: LoopFlushQueue]>([:])
    private let writeDelay: TimeAmount

    init(writeDelay: Duration = .zero) { self.writeDelay = TimeAmount(writeDelay) }

    func queue(for eventLoop: any EventLoop) -> LoopFlushQueue {
        queues.withLock { queues in
            let key = ObjectIdentifier(eventLoop)
            if let queue = queues[key] { return queue }
            let queue = LoopFlushQueue(eventLoop: eventLoop, writeDelay: writeDelay)
            queues[key] = queue
            return queue
        }
    }
}
