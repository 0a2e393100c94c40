public import Hummingbird
public import ParleyAI
public import ParleyEngine

/// The native dialect (seed 004) under `/v1`, with its envelope and authentication.
public struct NativeAPI: Sendable {
    let broker: Broker
    let tokens: TokenService
    let layers: SharedLayers
    let files: FileLibrary
    let ai: AIService

    public init(broker: Broker, tokens: TokenService, layers: SharedLayers, files: FileLibrary, ai: AIService) {
        self.ai = ai
        self.broker = broker
        self.tokens = tokens
        self.layers = layers
        self.files = files
    }

    /// Registers the routes. The router should carry a native ``ErrorEnvelopeMiddleware`` of its own too,
    /// so that unknown paths get the envelope (other dialects' groups render their own).
    public func register(on router: Router<ParleyRequestContext>) throws {
        let group = router.group("v1")
            .add(middleware: ErrorEnvelopeMiddleware<ParleyRequestContext>.native())
            .add(middleware: layers.authentication)
            .add(middleware: layers.rateLimits)
            .add(middleware: layers.idempotency)
        NativeAuthController(broker: broker, tokens: tokens, gate: layers.loginGate).register(on: group)
        NativeSitesController(broker: broker).register(on: group)
        NativeVisitorsController(broker: broker).register(on: group)
        NativeConversationsController(broker: broker).register(on: group)
        NativeMessagesController(broker: broker, files: files).register(on: group)
        NativeAgentsController(broker: broker).register(on: group)
        NativeAnalyticsController(broker: broker).register(on: group)
        NativeNotificationsController(broker: broker).register(on: group)
        NativeFilesController(broker: broker, files: files, authentication: layers.authentication).register(on: group)
        NativeAnalysisController(ai: ai).register(on: group)
        NativePrivacyController(broker: broker, privacy: PrivacyService(broker: broker, files: files)).register(on: group)
        try OpenAPIDocument.native().register(on: group)
    }
}
