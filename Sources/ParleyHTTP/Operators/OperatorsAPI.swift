public import Hummingbird
public import ParleyEngine

/// The operators dialect (seed 000) under `/v1` beside the native routes it does not share a
/// path with (`/v1/clients`, `/v1/operators`, `/v1/chats`), with its own error body; its
/// OpenAPI document at `/operators/v1/openapi.json`.
public struct OperatorsAPI: Sendable {
    let broker: Broker
    let layers: SharedLayers

    public init(broker: Broker, layers: SharedLayers) {
        self.broker = broker
        self.layers = layers
    }

    public func register(on router: Router<ParleyRequestContext>) throws {
        let group = router.group("v1")
            .add(middleware: ErrorEnvelopeMiddleware<ParleyRequestContext>.operators())
            .add(middleware: layers.authentication)
            .add(middleware: layers.rateLimits)
            .add(middleware: layers.idempotency)
        OperatorsController(broker: broker).register(on: group)
        try OpenAPIDocument.load("operators").register(on: router.group("operators/v1"))
    }
}
