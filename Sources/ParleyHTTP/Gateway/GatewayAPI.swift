public import Hummingbird
public import ParleyEngine

/// The livechat gateway dialect (seed 001) at `/v1/projects/{projectUuid}/livechat/…`, answered
/// in its `ResponseWrapper`; its OpenAPI document at `/gateway/v1/openapi.json`.
public struct GatewayAPI: Sendable {
    let broker: Broker
    let layers: SharedLayers

    public init(broker: Broker, layers: SharedLayers) {
        self.broker = broker
        self.layers = layers
    }

    public func register(on router: Router<ParleyRequestContext>) throws {
        let group = router.group("v1/projects")
            .add(middleware: ErrorEnvelopeMiddleware<ParleyRequestContext>.gateway())
            .add(middleware: layers.authentication)
            .add(middleware: layers.rateLimits)
            .add(middleware: GatewayIdempotencyKey())
            .add(middleware: layers.idempotency)
        GatewayController(broker: broker).register(on: group)
        try OpenAPIDocument.load("gateway").register(on: router.group("gateway/v1"))
    }
}
