public import Hummingbird
public import ParleyAI
public import ParleyEngine
public import ParleyKnowledge
public import ParleyWebhooks

/// The omni dialect (seed 003) under `/api/v1`: its account endpoints (how a new user signs
/// up), conversations, messages, customers and channels; and its widget API under `/widget/v1`.
public struct OmniAPI: Sendable {
    let broker: Broker
    let tokens: TokenService
    let layers: SharedLayers
    let webhooks: WebhookRegistry
    let files: FileLibrary
    let knowledge: KnowledgeBase
    let ai: AIService

    public init(
        broker: Broker, tokens: TokenService, layers: SharedLayers, webhooks: WebhookRegistry, files: FileLibrary, knowledge: KnowledgeBase,
        ai: AIService
    ) {
        self.knowledge = knowledge
        self.ai = ai
        self.broker = broker
        self.tokens = tokens
        self.layers = layers
        self.webhooks = webhooks
        self.files = files
    }

    public func register(on router: Router<ParleyRequestContext>) throws {
        let group = router.group("api/v1")
            .add(middleware: ErrorEnvelopeMiddleware<ParleyRequestContext>.omni())
            .add(middleware: layers.authentication)
            .add(middleware: layers.rateLimits)
            .add(middleware: PlanLimitMiddleware(broker: broker, limits: layers.limits))
            .add(middleware: layers.idempotency)
        OmniAuthController(broker: broker, tokens: tokens, gate: layers.loginGate).register(on: group)
        OmniConversationsController(broker: broker).register(on: group)
        OmniMessagesController(broker: broker, files: files).register(on: group)
        OmniCustomersController(broker: broker).register(on: group)
        OmniChannelsController(broker: broker).register(on: group)
        OmniTeamController(broker: broker).register(on: group)
        OmniTwoFactorController(broker: broker).register(on: group)
        OmniBillingController(broker: broker).register(on: group)
        OmniAnalyticsController(broker: broker).register(on: group)
        OmniWebhooksController(broker: broker, registry: webhooks).register(on: group)
        OmniKnowledgeController(knowledge: knowledge).register(on: group)
        OmniAIController(ai: ai).register(on: group)
        try OpenAPIDocument.omni().register(on: group)
        // The widget API: no agent credentials (the site's pk_ key and the browser's session
        // id), CORS for the customer's pages, a budget per address and one per key.
        let widget = router.group("widget/v1")
            .add(middleware: WidgetCORSMiddleware())
            .add(middleware: ErrorEnvelopeMiddleware<ParleyRequestContext>.omni())
            .add(middleware: layers.authentication)
            .add(middleware: layers.rateLimits)
            .add(middleware: layers.idempotency)
        WidgetController(broker: broker, files: files, limits: layers.limits, keyBuckets: Shared(TokenBuckets())).register(on: widget)
    }
}
