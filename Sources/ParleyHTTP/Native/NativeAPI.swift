public import Hummingbird
public import ParleyEngine

/// The native dialect (seed 004) under `/v1`, with its envelope and authentication.
public struct NativeAPI: Sendable {
    let broker: Broker
    let tokens: TokenService

    public init(broker: Broker, tokens: TokenService) {
        self.broker = broker
        self.tokens = tokens
    }

    /// Registers the routes. The router should carry a ``NativeErrorMiddleware`` of its own too,
    /// so that unknown paths get the envelope (other dialects' groups render their own).
    public func register(on router: Router<ParleyRequestContext>) {
        let group = router.group("v1")
            .add(middleware: NativeErrorMiddleware())
            .add(middleware: AuthenticationMiddleware(broker: broker, tokens: tokens))
        NativeAuthController(broker: broker, tokens: tokens).register(on: group)
        NativeSitesController(broker: broker).register(on: group)
        NativeVisitorsController(broker: broker).register(on: group)
        NativeConversationsController(broker: broker).register(on: group)
        NativeMessagesController(broker: broker).register(on: group)
    }
}
