/// Limits and timings of the WebSocket gateway (README, configuration table).
public struct RealtimeConfiguration: Sendable {
    /// Bytes a session may have queued before it is closed with 4008 (default 1 MiB).
    public var outboxBytes: Int
    /// Largest inbound message; a bigger frame or message closes the session with 1009.
    public var maxFrameBytes: Int
    /// An identity leaves only after its last session has been gone this long.
    public var presenceGrace: Duration
    /// Ping period; a peer that misses a pong is dropped.
    public var pingInterval: Duration
    /// The most messages a resume replays per conversation before answering `recovered: false`.
    public var replayLimit: UInt64
    /// Typing frames a session may send per minute; more are dropped.
    public var typingPerMinute: Int
    /// Live messages wait this long after connecting (or until the client's first frame), so
    /// that a `resume` sent right away is replayed before them.
    public var resumeWindow: Duration
    /// How long an omni connection may take to send its `auth` frame (then 4001).
    public var authTimeout: Duration
    /// Messages a session may have sent and not yet had acknowledged (durable) before it reads
    /// its next frame: the pipelining window (issue 18).
    public var maxUnacknowledged: Int
    /// How long an event loop collects what its sessions are sent before writing it (zero: at
    /// once, the default). A delay trades that much latency for fewer socket writes: each
    /// session's frames of the window leave in one write (still one WebSocket frame each,
    /// unless the client asked for batching). Centrifugo PRO's `client.write_delay` is the
    /// same trade.
    public var writeDelay: Duration

    public init(
        outboxBytes: Int = 1 << 20, maxFrameBytes: Int = 64 << 10, presenceGrace: Duration = .seconds(10),
        pingInterval: Duration = .seconds(30), replayLimit: UInt64 = 1000, typingPerMinute: Int = 120,
        resumeWindow: Duration = .seconds(1), authTimeout: Duration = .seconds(10), maxUnacknowledged: Int = 256,
        writeDelay: Duration = .zero
    ) {
        self.writeDelay = writeDelay
        self.maxUnacknowledged = maxUnacknowledged
        self.resumeWindow = resumeWindow
        self.authTimeout = authTimeout
        self.outboxBytes = outboxBytes
        self.maxFrameBytes = maxFrameBytes
        self.presenceGrace = presenceGrace
        self.pingInterval = pingInterval
        self.replayLimit = replayLimit
        self.typingPerMinute = typingPerMinute
    }
}
