public import Hummingbird
public import ParleyEngine

/// The chats dialect (seed 002, Pachca's shared API) at `/api/shared/v1/chats…`, with its own
/// bodies and error renderer; its OpenAPI document at `/api/shared/v1/openapi.json`.
public struct ChatsAPI: Sendable {
    let broker: Broker
    let tokens: TokenService
    let layers: SharedLayers

    public init(broker: Broker, tokens: TokenService, layers: SharedLayers) {
        self.broker = broker
        self.tokens = tokens
        self.layers = layers
    }

    public func register(on router: Router<ParleyRequestContext>) throws {
        let root = router.group("api/shared/v1")
        let group = root
            .add(middleware: ErrorEnvelopeMiddleware<ParleyRequestContext>.chats())
            .add(middleware: layers.authentication)
            .add(middleware: layers.rateLimits)
            .add(middleware: layers.idempotency)
        ChatsController(broker: broker, cursorKey: tokens.cursorKey).register(on: group)
        try OpenAPIDocument.load("chats").register(on: root)
    }
}
