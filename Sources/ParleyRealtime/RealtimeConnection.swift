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
        /// A frame of an open session that could not be carried out on the event loop.
        case frame(ClientFrame)
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

    /// Carries out `input` now when it is a frame of an open session that nothing waits in
    /// front of and that needs no waiting itself (``SessionCommands/handleNow(_:)``: most
    /// `message` frames), else queues it for the connection's task; true when the handler
    /// should stop reading (``highWater`` waiting). On the event loop.
    func receive(_ input: Input) -> Bool {
        switch input {
        case .text, .binary, .frame: RealtimeMetrics.shared.frameReceived(dialect)
        case .authenticate, .ended: break
        }
        var input = input
        if case .text(let text) = input, let commands = idleCommands() {
            // Nothing runs on the connection's task (it starts only here, on the event loop), so
            // this frame is in order behind every earlier one.
            switch commands.handleNow(text) {
            case .done: return false
            case .wait(let frame): input = .frame(frame)
            }
        }
        return enqueue(input)
    }

    /// The session's commands when it is open and no input waits or is being carried out.
    private func idleCommands() -> SessionCommands? {
        state.withLock { state in
            guard !state.working, state.inputs.isEmpty, case .open(_, let commands, _) = state.phase else { return nil }
            return commands
        }
    }

    private func enqueue(_ input: Input) -> Bool {
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
    func ended() { _ = enqueue(.ended) }

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
        case (.authenticating, .frame):
            break
        case (.authenticating, _):
            // Omni: anything but a text frame before `auth`.
            refuse(.unknown(4001), reason: "authenticate first: {\"type\":\"auth\"}")
        case (.open(_, let commands, _), .text(let text)):
            if case .wait(let frame) = commands.handleNow(text) { await commands.handle(frame) }
        case (.open(_, let commands, _), .frame(let frame)):
            await commands.handle(frame)
        case (.open(let session, _, _), .binary):
            session.respond(session.dialect.error("BAD_FRAME", "binary frames are not accepted"))
        case (.open(let session, let commands, let release), .ended):
            release.cancel()
            gateway.hub.close(session)
            finish()
            commands.stopTyping()
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
