public import Logging
public import ParleyAI
public import ParleyHTTP
public import ParleyHistory
public import ParleyLog
public import ParleyRealtime
public import ParleyStorage
public import ParleyWebhooks

/// Everything `parley serve` can be told (flags, or `PARLEY_*` environment variables).
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./data"
    public var fsync = FsyncPolicy.always
    /// `--commit-delay-us`: under `fsync` `always`, the least time between the starts of two
    /// log syncs (``SyncPacer``); zero (the default) syncs each batch at once.
    public var commitDelay: Duration = .zero
    public var segmentBytes = 64 << 20
    public var snapshotEveryRecords = 100_000
    public var snapshotEverySeconds = 300
    public var snapshotsToKeep = 2
    /// What history compaction moves to history files (issue 16), and how often it looks (0: never).
    public var compaction = CompactionPolicy()
    public var compactionEverySeconds = 60
    public var logLevel = Logger.Level.info
    /// The HMAC key for access tokens; `nil` keeps a generated one in `<data dir>/jwt-secret`.
    public var jwtSecret: String?
    /// How long an access token lives.
    public var accessTokenSeconds = 3600
    /// bcrypt cost for new password hashes.
    public var bcryptCost: UInt8 = 12
    /// Rate limits and login throttling (`--rate-limits off` for load tests).
    public var rateLimits = RateLimits()
    /// WebSocket limits: outbox size, frame size, presence grace, ping, replay limit.
    public var realtime = RealtimeConfiguration()
    /// Webhook delivery: address policy (`--allow-private-webhooks`), timeouts, retries.
    public var webhooks = WebhookConfiguration()
    /// Hosted AI providers: endpoints (`--ai-endpoint`) and the answer deadline.
    public var ai = AIConfiguration()
    /// Event-loop threads serving the sockets; nil: SwiftNIO's shared group (one per core of
    /// the machine). `parley serve` sizes it to the cores the process may run on.
    public var eventLoops: Int?
    /// `--demo`: make (once) and serve the demo site, agent and shop page (``DemoSite``).
    public var demo = false
    /// PEM certificate chain and private key: serve HTTPS and `wss://` (reloaded on SIGHUP).
    public var tls: (certificate: String, key: String)?
    /// `--redis`: join a cluster of nodes on this Redis (docs/SCALING.md); `nil`: one node.
    public var cluster: ClusterConfiguration?

    public init() {}

    /// The storage part of the configuration.
    public var storage: StorageConfiguration {
        var storage = StorageConfiguration(
            dataDirectory: dataDirectory, fsync: fsync, segmentBytes: segmentBytes,
            snapshotEveryRecords: snapshotEveryRecords, snapshotEverySeconds: snapshotEverySeconds,
            snapshotsToKeep: snapshotsToKeep, compaction: compaction, compactionEverySeconds: compactionEverySeconds)
        storage.commitDelay = commitDelay
        return storage
    }
}
