public import Hummingbird
public import ParleyEngine

/// The native dialect (seed 004) under `/v1`, with its envelope and authentication.
public struct NativeAPI: Sendable {
    let broker: Broker
    let tokens: TokenService
    let limits: RateLimits
    let loginThrottle: Shared<LoginThrottle>

    /// - Parameter loginThrottle: shared with the other dialects' logins (one count per account).
    public init(broker: Broker, tokens: TokenService, limits: RateLimits = RateLimits(), loginThrottle: Shared<LoginThrottle>? = nil) {
        self.broker = broker
        self.tokens = tokens
        self.limits = limits
        self.loginThrottle = loginThrottle ?? Shared(LoginThrottle(limits: limits))
    }

    /// Registers the routes. The router should carry a ``NativeErrorMiddleware`` of its own too,
    /// so that unknown paths get the envelope (other dialects' groups render their own).
    public func register(on router: Router<ParleyRequestContext>) throws {
        let group = router.group("v1")
            .add(middleware: NativeErrorMiddleware())
            .add(middleware: AuthenticationMiddleware(broker: broker, tokens: tokens))
            .add(middleware: RateLimitMiddleware(limits: limits))
            .add(middleware: IdempotencyMiddleware())
        NativeAuthController(broker: broker, tokens: tokens, limits: limits, throttle: loginThrottle).register(on: group)
        NativeSitesController(broker: broker).register(on: group)
        NativeVisitorsController(broker: broker).register(on: group)
        NativeConversationsController(broker: broker).register(on: group)
        NativeMessagesController(broker: broker).register(on: group)
        NativeAgentsController(broker: broker).register(on: group)
        NativeAnalyticsController(broker: broker).register(on: group)
        NativeNotificationsController(broker: broker).register(on: group)
        try OpenAPIDocument.native().register(on: group)
    }
}
