import Synchronization

/// One `durable` publisher, driven by its acks on the harness's event loop: each ack is timed
/// against the oldest message in flight (acks come in order) and, before the deadline, sends
/// the next message from right there. No task wakes up per message and nothing hops between
/// threads, so the harness's own queueing stays out of the latency it reports.
final class DurablePublisher: Sendable {
    private struct State {
        var connection: LoadConnection?
        /// Send times of the messages in flight, oldest first from `oldest`.
        var inFlight: [UInt64] = []
        var oldest = 0
    }

    private let conversationID: String
    private let size: Int
    private let deadline: ContinuousClock.Instant
    private let recorder: LatencyRecorder
    private let state = Mutex(State())
    /// Finished (more than once does no harm) when the publisher is done.
    private let done: AsyncStream<Void>.Continuation
    private let doneSignal: AsyncStream<Void>

    init(conversationID: String, size: Int, deadline: ContinuousClock.Instant, recorder: LatencyRecorder) {
        self.conversationID = conversationID
        self.size = size
        self.deadline = deadline
        self.recorder = recorder
        (doneSignal, done) = AsyncStream.makeStream(of: Void.self)
    }

    /// Sends the first `pipeline` messages on `connection` (held by it until it is open).
    func start(on connection: LoadConnection, pipeline: Int) {
        state.withLock { state in
            state.connection = connection
            for _ in 0..<pipeline { publish(&state) }
        }
    }

    /// The server acknowledged the oldest message in flight.
    func acked() {
        let now = WallClock.nanoseconds()
        state.withLock { state in
            guard state.oldest < state.inFlight.count else { return }
            recorder.sample(microseconds: (now - state.inFlight[state.oldest]) / 1000)
            state.oldest += 1
            if state.oldest >= 4096 {
                state.inFlight.removeFirst(state.oldest)
                state.oldest = 0
            }
            if ContinuousClock.now < deadline { publish(&state) }
            if state.oldest == state.inFlight.count { done.finish() }
        }
    }

    /// The connection ended (either side closed it): the publisher stops.
    func ended() { done.finish() }

    /// Returns once every message sent was acknowledged after the deadline, or the connection ended.
    func waitUntilDone() async { for await _ in doneSignal {} }

    private func publish(_ state: inout State) {
        let sent = WallClock.nanoseconds()
        state.inFlight.append(sent)
        state.connection?.send(FrameScan.message(to: conversationID, size: size, now: sent))
    }
}
