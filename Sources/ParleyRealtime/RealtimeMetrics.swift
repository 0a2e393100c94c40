import CoreMetrics
import Metrics

/// The realtime layer's series (docs/OPERATIONS.md, "Metrics"). Made on first use, after the
/// server has bootstrapped its metrics system; the per-session paths touch only handles made
/// here, never the factory.
struct RealtimeMetrics: Sendable {
    static let shared = RealtimeMetrics()

    private struct Kind: Hashable {
        var dialect: WireDialect
        var role: String
    }

    private let open: [Kind: Meter]
    private let opened: [Kind: Counter]
    private let received: [WireDialect: Counter]
    private let sent: [WireDialect: Counter]
    /// Sessions closed because their outbox passed its limit (4008).
    let overflows = Counter(label: "parley_websocket_outbox_overflows_total")
    /// Bytes queued in every session's outbox (sampled when scraped).
    let outboxBytes = Gauge(label: "parley_websocket_outbox_bytes")
    /// Message copies queued to sessions by the fan-out.
    let deliveries = Counter(label: "parley_fanout_deliveries_total")
    /// From a message's acceptance to its copies queued on every recipient (the fsync included).
    let fanOutDelay = Timer(label: "parley_fanout_delay_seconds", preferredDisplayUnit: .seconds)

    private init() {
        var open: [Kind: Meter] = [:]
        var opened: [Kind: Counter] = [:]
        var received: [WireDialect: Counter] = [:]
        var sent: [WireDialect: Counter] = [:]
        for dialect in [WireDialect.native, .omni] {
            let name = Self.name(dialect)
            for role in ["agent", "visitor"] {
                let dimensions = [("dialect", name), ("role", role)]
                open[Kind(dialect: dialect, role: role)] = Meter(label: "parley_websocket_sessions", dimensions: dimensions)
                opened[Kind(dialect: dialect, role: role)] = Counter(
                    label: "parley_websocket_sessions_opened_total", dimensions: dimensions)
            }
            received[dialect] = Counter(label: "parley_websocket_frames_received_total", dimensions: [("dialect", name)])
            sent[dialect] = Counter(label: "parley_websocket_frames_sent_total", dimensions: [("dialect", name)])
        }
        self.open = open
        self.opened = opened
        self.received = received
        self.sent = sent
    }

    static func name(_ dialect: WireDialect) -> String { dialect == .native ? "native" : "omni" }

    private static func role(_ identity: SessionIdentity) -> String {
        switch identity {
        case .agent: "agent"
        case .visitor: "visitor"
        }
    }

    func sessionOpened(_ session: RealtimeSession) {
        let kind = Kind(dialect: session.dialect, role: Self.role(session.identity))
        open[kind]?.increment()
        opened[kind]?.increment()
    }

    func sessionClosed(_ session: RealtimeSession) {
        open[Kind(dialect: session.dialect, role: Self.role(session.identity))]?.decrement()
    }

    func frameReceived(_ dialect: WireDialect) { received[dialect]?.increment() }

    func framesSent(_ count: Int, _ dialect: WireDialect) {
        if count > 0 { sent[dialect]?.increment(by: count) }
    }

    /// A WebSocket connection ended: the close code it ended with (sent or answered), or
    /// `none` when it ended without a close frame.
    static func connectionClosed(code: UInt16?) {
        Counter(label: "parley_websocket_closes_total", dimensions: [("code", code.map(String.init) ?? "none")]).increment()
    }
}
