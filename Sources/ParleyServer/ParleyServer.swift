#if canImport(Glibc)
import Glibc
#endif
public import Hummingbird
import NIOCore
import NIOPosix
import ParleyRedis
public import ParleyRealtime
public import ParleyHTTP
import ServiceLifecycle
import UnixSignals
public import Logging
public import ParleyEngine
import ParleyAI
import ParleyKnowledge
import ParleyLog
import ParleyModel
import ParleyWebhooks
import ParleyWeb
public import ParleyStorage
public import Prometheus

/// The composition root: storage → engine → router → application, with the store's service
/// in the application's `ServiceGroup` (shutdown runs in reverse: the HTTP server stops
/// accepting first, then the store flushes the log and writes its final snapshot).
///
/// ```swift
/// let server = try ParleyServer(configuration: configuration, registry: registry, logger: logger)
/// try await server.application.runService()
/// ```
public struct ParleyServer: Sendable {
    public let store: EventStore
    public let broker: Broker
    public let hub: Hub
    /// `/ready`'s answer: draining from the start of graceful shutdown.
    public let readiness: Readiness
    public let application: Application<RouterResponder<ParleyRequestContext>>
    /// The demo site, when serving with `--demo`.
    public let demo: DemoSite?
    /// The event loops this server made (``ServerConfiguration/eventLoops``), shut down after `run`.
    let ownEventLoops: MultiThreadedEventLoopGroup?
    let logger: Logger

    public init(configuration: ServerConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) async throws {
        let store: EventStore
        if let cluster = configuration.cluster {
            store = try await EventStore.openCluster(configuration.storage, cluster: cluster, logger: logger) { why in
                // A gap in the stream or an entry this node cannot read: its state could part from
                // the other nodes'. Stop (EX_IOERR); a restart catches up from the snapshot.
                logger.critical("stopping: this node cannot follow the cluster log", metadata: ["parley.error": "\(why)"])
                exit(74)
            }
        } else {
            store = try EventStore.open(configuration.storage, logger: logger) { error in
                // Nothing may be acknowledged after a failed fsync: stop the process (EX_IOERR).
                logger.critical("stopping: the write-ahead log failed", metadata: ["parley.error": "\(error)"])
                exit(74)
            }
        }
        if let repair = store.startReport.repair {
            logger.warning("log tail repaired at start", metadata: ["parley.repair": "\(repair)"])
        }
        let broker = Broker(store: store, passwords: PasswordHasher(cost: configuration.bcryptCost), logger: logger)
        // A cluster's nodes share one token key (kept in Redis) unless one is configured.
        let secret =
            if let cluster = store.cluster, configuration.jwtSecret == nil {
                try await ClusterSecret.loadOrCreate(client: cluster.client, keys: cluster.keys, dataDirectory: configuration.dataDirectory)
            } else {
                try TokenService.loadOrCreateSecret(dataDirectory: configuration.dataDirectory, configured: configuration.jwtSecret)
            }
        let tokens = await TokenService(secret: secret, lifetime: .seconds(configuration.accessTokenSeconds))
        let router = Router(context: ParleyRequestContext.self)
        // Outermost: it sees the status the error envelope gives every failure.
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorEnvelopeMiddleware<ParleyRequestContext>.native())
        let readiness = Readiness()
        HealthController(store: store, readiness: readiness).register(on: router)
        // One set of shared layers: budgets, idempotency keys and login throttling span dialects.
        let layers = SharedLayers(broker: broker, tokens: tokens, limits: configuration.rateLimits)
        // File bytes: content-addressed blobs beside the log; blobs no file names are swept.
        let files = FileLibrary(store: store, blobs: try BlobStore(dataDirectory: configuration.dataDirectory))
        let swept = files.sweep()
        if swept > 0 { logger.info("swept blobs no file names", metadata: ["parley.blobs": "\(swept)"]) }
        // The knowledge base's search index is derived: built here from the logged documents.
        let knowledge = KnowledgeBase(store: store)
        // AI answers (on request, and by themselves where a site turned auto_respond on).
        let ai = AIService(broker: broker, assistant: Assistant(knowledge: knowledge, configuration: configuration.ai))
        broker.subscribe(AutoResponder(service: ai, logger: logger))
        try NativeAPI(broker: broker, tokens: tokens, layers: layers, files: files, ai: ai).register(on: router)
        let webhooks = WebhookRegistry(store: store, policy: configuration.webhooks.addressPolicy)
        try OmniAPI(broker: broker, tokens: tokens, layers: layers, webhooks: webhooks, files: files, knowledge: knowledge, ai: ai)
            .register(on: router)
        try OperatorsAPI(broker: broker, layers: layers).register(on: router)
        try ChatsAPI(broker: broker, tokens: tokens, layers: layers).register(on: router)
        try GatewayAPI(broker: broker, layers: layers).register(on: router)
        // The web clients: widget, agent console, and with --demo the demo site and its page.
        let demo = configuration.demo ? try await DemoSite.prepare(broker: broker, knowledge: knowledge) : nil
        WebClients<ParleyRequestContext>(demo: demo?.page).register(on: router)
        // WebSocket upgrades (/ws, /api/v1/ws) go to the realtime gateway; the hub fans out.
        let ownEventLoops = configuration.eventLoops.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) }
        let eventLoops: any EventLoopGroup = ownEventLoops ?? MultiThreadedEventLoopGroup.singleton
        // The fan-out runs on one of the server's event loops: no thread hop to the sessions there.
        let hub = Hub(broker: broker, configuration: configuration.realtime, fanOut: eventLoops.next(), logger: logger)
        broker.subscribe(AnalysisPublisher(ai: ai, hub: hub))
        // A cluster node's typing and presence reach the other nodes through Redis pub/sub.
        let signals = configuration.cluster.flatMap { cluster in
            store.cluster.map { node in
                ClusterSignals(
                    hub: hub, node: node.name, redis: cluster.redis, keys: node.keys,
                    publisher: RedisClient(configuration: cluster.redis, logger: logger), logger: logger)
            }
        }
        if let signals { broker.subscribe(signals) }
        MetricsController(registry: registry) { ServerGauges.sample(hub: hub, broker: broker, store: store) }.register(on: router)
        // `parley admin` on a running server: the token in the data directory, or a site's sk_ key.
        let adminToken = try AdminToken.loadOrCreate(dataDirectory: configuration.dataDirectory)
        try AdminAPI(
            broker: broker, files: files, token: adminToken, layers: layers,
            runtime: .init(
                dataDirectory: configuration.dataDirectory, startedAt: .now(), sessions: { hub.sessionCount },
                draining: { readiness.isDraining })
        ).register(on: router)
        let gateway = RealtimeGateway(hub: hub, authentication: AuthenticationMiddleware(broker: broker, tokens: tokens), logger: logger)
        let certificates = try configuration.tls.map { try TLSCertificates(certificatePath: $0.certificate, keyPath: $0.key) }
        var application = Application(
            router: router,
            server: certificates.map { certificates in
                gateway.server { ReloadableTLSChannel(base: $0, certificates: certificates) }
            } ?? gateway.server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Parley"),
            eventLoopGroupProvider: .shared(eventLoops),
            logger: logger)
        self.ownEventLoops = ownEventLoops
        // The outbox goes out through its own service; new entries wake it at once.
        let dispatcher = WebhookDispatcher(
            store: store, configuration: configuration.webhooks, render: { [broker] in OmniWebhookPayload.render($0, broker: broker) },
            logger: logger)
        store.addObserver(dispatcher)
        application.addServices(EventStoreService(store: store, logger: logger, releaseBlob: { files.release($0) }), hub, dispatcher)
        application.addServices(CertificateReloader(certificates: certificates, logger: logger))
        if let signals { application.addServices(signals) }
        self.hub = hub
        self.readiness = readiness
        self.demo = demo
        self.logger = logger
        self.store = store
        self.broker = broker
        self.application = application
    }

    /// Serves until SIGTERM or SIGINT, then drains (see the type's summary) and returns.
    public func run() async throws {
        // Shutdown runs in reverse: `/ready` answers 503 first, then WebSocket sessions are closed
        // with 1001, then the HTTP server stops, then the store flushes and snapshots.
        let group = ServiceGroup(
            configuration: .init(
                services: [application, RealtimeShutdown(hub: hub), DrainSignal(readiness: readiness)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        var failure: (any Error)?
        do { try await group.run() } catch { failure = error }
        try? await ownEventLoops?.shutdownGracefully()
        if let failure { throw failure }
    }
}
