import Foundation
import ArgumentParser
import Logging
import Metrics
import ParleyAI
import ParleyLog
import ParleyModel
import ParleyHTTP
import ParleyHistory
import ParleyServer
import ParleyRealtime
import ParleyStorage
import ParleyWebhooks
import Prometheus

/// `parley serve`: the broker on one port.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the broker (HTTP, WebSocket, /health, /metrics).",
        discussion: "Every option also reads PARLEY_<OPTION> from the environment, e.g. PARLEY_PORT=9000. SIGTERM drains: stop accepting, flush the log, write a snapshot, exit 0.")

    @Option(help: "Address to listen on (PARLEY_HOST).")
    var host: String = environment("HOST") ?? "127.0.0.1"

    @Option(help: "Port to listen on (PARLEY_PORT).")
    var port: Int = environment("PORT").flatMap(Int.init) ?? 8080

    @Option(help: "Data directory: wal/, snapshots/ and LOCK (PARLEY_DATA_DIR).")
    var dataDir: String = environment("DATA_DIR") ?? "./data"

    @Option(help: "When an acknowledged write is durable: always | interval[:ms] | none (PARLEY_FSYNC).")
    var fsync: String = environment("FSYNC") ?? "always"

    @Option(help: "With --fsync always, start two log syncs at least this many microseconds apart, 0 to 100000; what arrives meanwhile shares the next sync, acks still follow it (PARLEY_COMMIT_DELAY_US).")
    var commitDelayUs: Int = environment("COMMIT_DELAY_US").flatMap(Int.init) ?? 0

    @Option(help: "Cut a log segment at this many bytes (PARLEY_SEGMENT_BYTES).")
    var segmentBytes: Int = environment("SEGMENT_BYTES").flatMap(Int.init) ?? 64 << 20

    @Option(help: "Snapshot after this many log records, or as many as the last snapshot held when that is more (PARLEY_SNAPSHOT_EVERY_RECORDS).")
    var snapshotEveryRecords: Int = environment("SNAPSHOT_EVERY_RECORDS").flatMap(Int.init) ?? 100_000

    @Option(help: "Snapshot after this many seconds with new records (PARLEY_SNAPSHOT_EVERY_SECONDS).")
    var snapshotEverySeconds: Int = environment("SNAPSHOT_EVERY_SECONDS").flatMap(Int.init) ?? 300

    @Option(help: "Snapshots to keep; older log segments are deleted (PARLEY_SNAPSHOTS_KEEP).")
    var snapshotsKeep: Int = environment("SNAPSHOTS_KEEP").flatMap(Int.init) ?? 2

    @Option(help: "Keep this many newest messages of each conversation in RAM; older ones move to history files (PARLEY_HISTORY_KEEP).")
    var historyKeep: Int = environment("HISTORY_KEEP").flatMap(Int.init) ?? 100

    @Option(help: "Hours after its close when a conversation's messages, but the newest, move to history files (PARLEY_HISTORY_CLOSED_AGE_HOURS).")
    var historyClosedAgeHours: Int = environment("HISTORY_CLOSED_AGE_HOURS").flatMap(Int.init) ?? 24

    @Option(help: "A compaction run moves at least this many messages, else waits (PARLEY_HISTORY_MIN_MESSAGES).")
    var historyMinMessages: Int = environment("HISTORY_MIN_MESSAGES").flatMap(Int.init) ?? 10_000

    @Option(help: "Look for history to compact every this many seconds; 0 never (PARLEY_COMPACTION_EVERY_SECONDS).")
    var compactionEverySeconds: Int = environment("COMPACTION_EVERY_SECONDS").flatMap(Int.init) ?? 60

    @Option(help: "HMAC key for access tokens, at least 32 bytes (PARLEY_JWT_SECRET); default: generated once into <data dir>/jwt-secret.")
    var jwtSecret: String? = environment("JWT_SECRET")

    @Option(help: "Access-token lifetime in seconds (PARLEY_ACCESS_TOKEN_SECONDS).")
    var accessTokenSeconds: Int = environment("ACCESS_TOKEN_SECONDS").flatMap(Int.init) ?? 3600

    @Option(help: "bcrypt cost for new password hashes, 4 to 31 (PARLEY_BCRYPT_COST).")
    var bcryptCost: Int = environment("BCRYPT_COST").flatMap(Int.init) ?? 12

    @Option(help: "on | off: per-principal rate limits and login throttling (PARLEY_RATE_LIMITS); off for load tests.")
    var rateLimits: String = environment("RATE_LIMITS") ?? "on"

    @Option(help: "Bytes a WebSocket session may have queued before it is closed with 4008 (PARLEY_WS_OUTBOX_BYTES).")
    var wsOutboxBytes: Int = environment("WS_OUTBOX_BYTES").flatMap(Int.init) ?? 1 << 20

    @Option(help: "Largest inbound WebSocket message in bytes; larger closes with 1009 (PARLEY_WS_MAX_FRAME_BYTES).")
    var wsMaxFrameBytes: Int = environment("WS_MAX_FRAME_BYTES").flatMap(Int.init) ?? 64 << 10

    @Option(help: "WebSocket ping period in seconds; a peer that misses the pong is dropped (PARLEY_WS_PING_SECONDS).")
    var wsPingSeconds: Int = environment("WS_PING_SECONDS").flatMap(Int.init) ?? 30

    @Option(help: "Seconds an identity stays present after its last session closed (PARLEY_PRESENCE_GRACE_SECONDS).")
    var presenceGraceSeconds: Int = environment("PRESENCE_GRACE_SECONDS").flatMap(Int.init) ?? 10

    @Option(help: "Milliseconds an event loop collects frames before writing them, 0 to 100: fewer socket writes for that much latency (PARLEY_WS_WRITE_DELAY_MS; default 0, at once).")
    var wsWriteDelayMs: Int = environment("WS_WRITE_DELAY_MS").flatMap(Int.init) ?? 0

    @Option(help: "Most messages a resume replays per conversation before recovered:false (PARLEY_RESUME_LIMIT).")
    var resumeLimit: Int = environment("RESUME_LIMIT").flatMap(Int.init) ?? 1000

    @Option(help: "Event-loop threads for the sockets (PARLEY_EVENT_LOOPS); default: the cores this process may run on.")
    var eventLoops: Int = environment("EVENT_LOOPS").flatMap(Int.init) ?? CPUAffinity.usableCores()

    @Flag(help: "Let webhooks call loopback and private addresses, for tests and private deployments (PARLEY_ALLOW_PRIVATE_WEBHOOKS=1).")
    var allowPrivateWebhooks = environment("ALLOW_PRIVATE_WEBHOOKS") == "1"

    @Option(help: "Seconds a webhook delivery may take, connecting included (PARLEY_WEBHOOK_TIMEOUT_SECONDS).")
    var webhookTimeoutSeconds: Int = environment("WEBHOOK_TIMEOUT_SECONDS").flatMap(Int.init) ?? 10

    @Option(help: "A hosted AI provider's base URL, NAME=URL (anthropic, openai, yandex, sber, sber-auth); repeatable. Default: the providers' public APIs.")
    var aiEndpoint: [String] = []

    @Option(help: "Seconds a hosted AI provider may take to answer (PARLEY_AI_TIMEOUT_SECONDS).")
    var aiTimeoutSeconds: Int = environment("AI_TIMEOUT_SECONDS").flatMap(Int.init) ?? 30

    @Flag(help: "Make (once) and serve a demo site: an agent, a knowledge base and a shop page that embeds the widget; prints the URLs to open (PARLEY_DEMO=1).")
    var demo = environment("DEMO") == "1"

    @Option(help: "trace | debug | info | notice | warning | error | critical (PARLEY_LOG_LEVEL).")
    var logLevel: String = environment("LOG_LEVEL") ?? "info"

    @Option(help: "text | json: one JSON object a line, for log shippers (PARLEY_LOG_FORMAT).")
    var logFormat: String = environment("LOG_FORMAT") ?? "text"

    @Option(help: "PEM certificate chain: serve HTTPS and wss:// (with --tls-key; SIGHUP reloads both) (PARLEY_TLS_CERT).")
    var tlsCert: String? = environment("TLS_CERT")

    @Option(help: "PEM private key of --tls-cert (PARLEY_TLS_KEY).")
    var tlsKey: String? = environment("TLS_KEY")

    /// `--redis URL` joins a cluster of nodes on that Redis (docs/SCALING.md).
    @OptionGroup var clusterOptions: ClusterOptions

    func validate() throws {
        guard FsyncPolicy(parsing: fsync) != nil else {
            throw ValidationError("--fsync must be always, none, interval or interval:<milliseconds>")
        }
        guard (0...SyncPacer.maximumMicroseconds).contains(commitDelayUs) else {
            throw ValidationError("--commit-delay-us must be 0 to \(SyncPacer.maximumMicroseconds)")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
        guard segmentBytes >= 4096 else { throw ValidationError("--segment-bytes must be at least 4096") }
        guard snapshotEveryRecords > 0, snapshotEverySeconds > 0 else {
            throw ValidationError("snapshot intervals must be positive")
        }
        guard snapshotsKeep >= 2 else { throw ValidationError("--snapshots-keep must be at least 2 (with one, a damaged snapshot leaves nothing to recover from)") }
        guard historyKeep >= 1 else { throw ValidationError("--history-keep must be at least 1 (a conversation's newest message stays in RAM)") }
        guard historyClosedAgeHours >= 0 else { throw ValidationError("--history-closed-age-hours must not be negative") }
        guard (1...1_000_000).contains(historyMinMessages) else { throw ValidationError("--history-min-messages must be 1 to 1000000") }
        guard compactionEverySeconds >= 0 else { throw ValidationError("--compaction-every-seconds must not be negative") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard ["on", "off"].contains(rateLimits) else { throw ValidationError("--rate-limits must be on or off") }
        guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be 4 to 31") }
        guard accessTokenSeconds >= 60 else { throw ValidationError("--access-token-seconds must be at least 60") }
        if let jwtSecret, jwtSecret.utf8.count < 32 { throw ValidationError("--jwt-secret must be at least 32 bytes") }
        guard wsOutboxBytes >= 4096 else { throw ValidationError("--ws-outbox-bytes must be at least 4096") }
        guard (1024...(16 << 20)).contains(wsMaxFrameBytes) else {
            throw ValidationError("--ws-max-frame-bytes must be 1024 to 16777216")
        }
        guard wsPingSeconds >= 1 else { throw ValidationError("--ws-ping-seconds must be at least 1") }
        guard presenceGraceSeconds >= 0 else { throw ValidationError("--presence-grace-seconds must not be negative") }
        guard (0...100).contains(wsWriteDelayMs) else { throw ValidationError("--ws-write-delay-ms must be 0 to 100") }
        guard resumeLimit >= 0 else { throw ValidationError("--resume-limit must not be negative") }
        guard (1...1024).contains(eventLoops) else { throw ValidationError("--event-loops must be 1 to 1024") }
        guard (1...300).contains(webhookTimeoutSeconds) else { throw ValidationError("--webhook-timeout-seconds must be 1 to 300") }
        guard (1...300).contains(aiTimeoutSeconds) else { throw ValidationError("--ai-timeout-seconds must be 1 to 300") }
        for entry in aiEndpoint {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, AIProvider(name: parts[0]) != nil || parts[0] == "sber-auth", parts[1].hasPrefix("http") else {
                throw ValidationError("--ai-endpoint takes NAME=URL with NAME anthropic, openai, yandex, sber or sber-auth")
            }
        }
    }

    func run() async throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.dataDirectory = dataDir
        configuration.fsync = FsyncPolicy(parsing: fsync) ?? .always
        configuration.commitDelay = .microseconds(commitDelayUs)
        configuration.segmentBytes = segmentBytes
        if let tlsCert, let tlsKey { configuration.tls = (tlsCert, tlsKey) }
        configuration.cluster = clusterOptions.cluster
        configuration.snapshotEveryRecords = snapshotEveryRecords
        configuration.snapshotEverySeconds = snapshotEverySeconds
        configuration.snapshotsToKeep = snapshotsKeep
        configuration.compaction = CompactionPolicy(
            closedAgeMilliseconds: Int64(historyClosedAgeHours) * 3_600_000, keepNewest: historyKeep, minimumMessages: historyMinMessages)
        configuration.compactionEverySeconds = compactionEverySeconds
        configuration.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        configuration.jwtSecret = jwtSecret
        configuration.accessTokenSeconds = accessTokenSeconds
        configuration.bcryptCost = UInt8(bcryptCost)
        configuration.rateLimits.enabled = rateLimits == "on"
        configuration.realtime.outboxBytes = wsOutboxBytes
        configuration.realtime.maxFrameBytes = wsMaxFrameBytes
        configuration.realtime.pingInterval = .seconds(wsPingSeconds)
        configuration.realtime.presenceGrace = .seconds(presenceGraceSeconds)
        configuration.realtime.writeDelay = .milliseconds(wsWriteDelayMs)
        configuration.realtime.replayLimit = UInt64(resumeLimit)
        configuration.eventLoops = eventLoops
        configuration.demo = demo
        configuration.webhooks.addressPolicy.allowPrivate = allowPrivateWebhooks
        configuration.webhooks.requestTimeout = .seconds(webhookTimeoutSeconds)
        configuration.webhooks.connectTimeout = .seconds(min(5, webhookTimeoutSeconds))
        configuration.ai.timeout = .seconds(aiTimeoutSeconds)
        for entry in aiEndpoint {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            if let provider = AIProvider(name: parts[0]) {
                configuration.ai.endpoints[provider] = parts[1]
            } else {
                configuration.ai.sberAuthEndpoint = parts[1]
            }
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "parley")
        let openFiles = OpenFileLimit.raise()
        let server: ParleyServer
        do {
            server = try await ParleyServer(configuration: configuration, registry: registry, logger: logger)
        } catch {
            throw CLIFailure(message: "cannot start: \(error)")
        }
        logger.info(
            "parley serving",
            metadata: [
                "parley.address": "\(host):\(port)", "parley.tls": "\(tlsCert != nil)", "parley.data_dir": "\(dataDir)", "parley.fsync": "\(configuration.fsync)",
                "parley.commit_delay_us": "\(commitDelayUs)", "parley.applied_lsn": "\(server.store.appliedLSN)", "parley.event_loops": "\(eventLoops)",
                "parley.open_files_limit": "\(openFiles.map(String.init) ?? "unknown")",
            ])
        if let site = server.demo {
            let base = "\(tlsCert == nil ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
            // Written at once (a pipe would buffer a print), so a script can wait for it.
            FileHandle.standardOutput.write(Data(
                """
                Parley demo \(site.created ? "created" : "ready") (\(NativeID.format(site.siteID))):
                  visitor page:  \(base)/demo
                  agent console: \(base)/console  (username \(DemoSite.username), password \(DemoSite.password))

                """.utf8))
        }
        // Where `parley admin` finds this server (removed again at a clean stop).
        let address = ServerAddressFile(
            url: ServerAddressFile.localURL(host: host, port: port, tls: tlsCert != nil), pid: getpid(),
            tls_certificate: tlsCert.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        do {
            try address.write(dataDirectory: dataDir)
        } catch {
            logger.warning("cannot write server.json; parley admin needs --server", metadata: ["parley.error": "\(error)"])
        }
        defer { ServerAddressFile.remove(dataDirectory: dataDir) }
        try await server.run()
    }
}
