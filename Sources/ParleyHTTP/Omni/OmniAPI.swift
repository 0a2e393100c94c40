public import Hummingbird
public import ParleyEngine

/// The omni dialect (seed 003) under `/api/v1`: for now its account endpoints, which are how a
/// new user signs up.
public struct OmniAPI: Sendable {
    let broker: Broker
    let tokens: TokenService
    let layers: SharedLayers

    public init(broker: Broker, tokens: TokenService, layers: SharedLayers) {
        self.broker = broker
        self.tokens = tokens
        self.layers = layers
    }

    public func register(on router: Router<ParleyRequestContext>) {
        let group = router.group("api/v1")
            .add(middleware: OmniErrorMiddleware())
            .add(middleware: layers.authentication)
            .add(middleware: layers.rateLimits)
            .add(middleware: layers.idempotency)
        OmniAuthController(broker: broker, tokens: tokens, gate: layers.loginGate).register(on: group)
    }
}
