import Logging
import NIOCore
import NIOWebSocket
import ParleyEngine
import Synchronization

/// The work of one WebSocket connection that happens off its event loop: authentication, then
/// the session's messages, strictly in arrival order. ``WebSocketConnectionHandler`` hands it
/// each whole message; one task works through what has arrived and ends when nothing is left,
/// so an idle connection holds no task (issue 18).
///
/// A connection with a `role` query parameter speaks the native protocol and authenticates in
/// the URL (bad credentials: 1008); one without waits for an omni `auth` frame (none, or a bad
/// one, within `authTimeout`: 4001).
final class RealtimeConnection: Sendable {
    enum Input: Sendable {
        /// Authenticate from the upgrade request (native): queued first.
        case authenticate
        case text(String)
        case binary
        /// The channel closed: the session leaves the hub.
        case ended
    }

    /// Messages waiting before the handler stops reading from the socket, and the level below
    /// which it reads again.
    static let highWater = 64
    static let lowWater = 16

    private enum Phase {
        case authenticating
        case open(RealtimeSession, SessionCommands, release: Scheduled<Void>)
        /// Refused (bad credentials, bad `batch`) or ended: inputs are dropped.
        case finished
    }

    private struct State {
        var inputs: [Input] = []
        var working = false
        var paused = false
        var phase = Phase.authenticating
        var control: ConnectionControl?
        var authTimer: Scheduled<Void>?
    }

    private let state = Mutex(State())
    let gateway: RealtimeGateway
    let request: UpgradeRequest
    let dialect: WireDialect
    let outlet: SessionOutlet.Handle

    init(gateway: RealtimeGateway, request: UpgradeRequest, outlet: SessionOutlet.Handle) {
        self.gateway = gateway
        self.request = request
        self.dialect = request.isNative ? .native : .omni
        self.outlet = outlet
    }

    /// The handler is in place: refuse a bad `batch`, authenticate a native connection, or give
    /// an omni one `authTimeout` to send its `auth` frame. On the event loop.
    func start(control: ConnectionControl) {
        guard request.batches != nil else {
            state.withLock {
                $0.phase = .finished
                $0.control = control
            }
            control.close(.policyViolation, reason: "batch must be 1, true, 0 or false")
            return
        }
        state.withLock { $0.control = control }
        if dialect == .native {
            _ = receive(.authenticate)
            return
        }
        let timer = control.eventLoop.scheduleTask(in: TimeAmount(gateway.configuration.authTimeout)) { [self] in
            let waiting = state.withLock { state in
                guard case .authenticating = state.phase else { return false }
                state.phase = .finished
                return true
            }
            if waiting { control.close(.unknown(4001), reason: "authentication timed out") }
        }
        state.withLock { $0.authTimer = timer }
    }

    /// Queues `input`; true when the handler should stop reading (``highWater`` waiting).
    func receive(_ input: Input) -> Bool {
        switch input {
        case .text, .binary: RealtimeMetrics.shared.frameReceived(dialect)
        case .authenticate, .ended: break
        }
        let (start, pause) = state.withLock { state in
            state.inputs.append(input)
            defer { state.working = true }
            if state.inputs.count >= Self.highWater { state.paused = true }
            return (!state.working, state.paused)
        }
        if start { Task { await self.work() } }
        return pause
    }

    /// The channel closed.
    func ended() { _ = receive(.ended) }

    private func work() async {
        while let input = next() { await carryOut(input) }
    }

    private func next() -> Input? {
        let (input, resume): (Input?, ConnectionControl?) = state.withLock { state in
            guard !state.inputs.isEmpty else {
                state.working = false
                return (nil, nil)
            }
            let input = state.inputs.removeFirst()
            guard state.paused, state.inputs.count <= Self.lowWater else { return (input, nil) }
            state.paused = false
            return (input, state.control)
        }
        resume?.resumeReading()
        return input
    }

    private func carryOut(_ input: Input) async {
        let phase = state.withLock { $0.phase }
        switch (phase, input) {
        case (.finished, .ended):
            state.withLock { $0.control = nil }
        case (.finished, _):
            break
        case (.authenticating, .authenticate):
            switch await gateway.authenticateNative(request) {
            case .success(let identity): open(identity)
            case .failure(let refusal): refuse(.policyViolation, reason: refusal.reason)
            }
        case (.authenticating, .text(let text)) where dialect == .omni:
            if let identity = await gateway.authenticateOmni(text) {
                open(identity)
            } else {
                refuse(.unknown(4001), reason: "authenticate first: {\"type\":\"auth\"}")
            }
        case (.authenticating, .ended):
            finish()
        case (.authenticating, _):
            // Omni: anything but a text frame before `auth`.
            refuse(.unknown(4001), reason: "authenticate first: {\"type\":\"auth\"}")
        case (.open(_, let commands, _), .text(let text)):
            await commands.handle(text)
        case (.open(let session, _, _), .binary):
            session.respond(session.dialect.error("BAD_FRAME", "binary frames are not accepted"))
        case (.open(let session, let commands, let release), .ended):
            release.cancel()
            gateway.hub.close(session)
            finish()
            await commands.stopTyping()
        case (.open, .authenticate):
            break
        }
    }

    private func open(_ identity: SessionIdentity) {
        let hub = gateway.hub
        let control = state.withLock { $0.control }
        let session = hub.open(identity, dialect: dialect, outlet: outlet, batchesFrames: request.batches ?? false) {
            session, reason in control?.close(session, reason)
        }
        let commands = SessionCommands(session: session, hub: hub, configuration: gateway.configuration)
        if dialect == .omni { session.send(FrameEncoder.encode(["type": "auth.ok"])) }
        // A client that sends nothing gets its live messages after the resume window.
        let release = outlet.handler.eventLoop.scheduleTask(in: TimeAmount(gateway.configuration.resumeWindow)) {
            hub.release(session)
        }
        let timer = state.withLock { state in
            state.phase = .open(session, commands, release: release)
            defer { state.authTimer = nil }
            return state.authTimer
        }
        timer?.cancel()
    }

    private func refuse(_ code: WebSocketErrorCode, reason: String) {
        let (control, timer) = state.withLock { state in
            state.phase = .finished
            defer { state.authTimer = nil }
            return (state.control, state.authTimer)
        }
        timer?.cancel()
        control?.close(code, reason: reason)
    }

    private func finish() {
        let timer = state.withLock { state in
            state.phase = .finished
            state.control = nil
            defer { state.authTimer = nil }
            return state.authTimer
        }
        timer?.cancel()
    }
}
