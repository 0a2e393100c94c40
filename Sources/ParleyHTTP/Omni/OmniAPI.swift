public import Hummingbird
public import ParleyEngine

/// The omni dialect (seed 003) under `/api/v1`: its account endpoints (how a new user signs
/// up), conversations, messages and customers.
public struct OmniAPI: Sendable {
    let broker: Broker
    let tokens: TokenService
    let layers: SharedLayers

    public init(broker: Broker, tokens: TokenService, layers: SharedLayers) {
        self.broker = broker
        self.tokens = tokens
        self.layers = layers
    }

    public func register(on router: Router<ParleyRequestContext>) throws {
        let group = router.group("api/v1")
            .add(middleware: OmniErrorMiddleware())
            .add(middleware: layers.authentication)
            .add(middleware: layers.rateLimits)
            .add(middleware: layers.idempotency)
        OmniAuthController(broker: broker, tokens: tokens, gate: layers.loginGate).register(on: group)
        OmniConversationsController(broker: broker).register(on: group)
        OmniMessagesController(broker: broker).register(on: group)
        OmniCustomersController(broker: broker).register(on: group)
        try OpenAPIDocument.omni().register(on: group)
    }
}
