public import Hummingbird
public import ParleyEngine
public import ParleyModel

/// The admin API under `/admin/v1` (docs/api/admin.md): what `parley admin` does on a running
/// server. Native envelope; authenticated by the data directory's ``AdminToken`` or a site's
/// `sk_` key (``AdminAuthentication``); `Idempotency-Key` honoured on its POSTs.
public struct AdminAPI: Sendable {
    /// What the server reports about itself beyond the store (its sessions, its drain).
    public struct Runtime: Sendable {
        public var dataDirectory: String
        public var startedAt: Timestamp
        public var sessions: @Sendable () -> Int
        public var draining: @Sendable () -> Bool

        public init(dataDirectory: String, startedAt: Timestamp, sessions: @escaping @Sendable () -> Int, draining: @escaping @Sendable () -> Bool) {
            self.dataDirectory = dataDirectory
            self.startedAt = startedAt
            self.sessions = sessions
            self.draining = draining
        }
    }

    let broker: Broker
    let files: FileLibrary
    let token: AdminToken
    let layers: SharedLayers
    let runtime: Runtime

    public init(broker: Broker, files: FileLibrary, token: AdminToken, layers: SharedLayers, runtime: Runtime) {
        self.broker = broker
        self.files = files
        self.token = token
        self.layers = layers
        self.runtime = runtime
    }

    public func register(on router: Router<ParleyRequestContext>) throws {
        // The document is public, as every dialect's is.
        try OpenAPIDocument.load("admin").register(on: router.group("admin/v1"))
        let group = router.group("admin/v1")
            .add(middleware: ErrorEnvelopeMiddleware<ParleyRequestContext>.native())
            .add(middleware: AdminAuthentication(token: token, authentication: layers.authentication))
            .add(middleware: layers.idempotency)
        AdminController(broker: broker, privacy: PrivacyService(broker: broker, files: files), files: files, runtime: runtime)
            .register(on: group)
    }
}
