public import Hummingbird
public import ParleyEngine

/// The native dialect (seed 004) under `/v1`, with its envelope and authentication.
public struct NativeAPI: Sendable {
    let broker: Broker
    let tokens: TokenService
    let limits: RateLimits
    let loginThrottle: Shared<LoginThrottle>

    public init(broker: Broker, tokens: TokenService, limits: RateLimits = RateLimits()) {
        self.broker = broker
        self.tokens = tokens
        self.limits = limits
        loginThrottle = Shared(
            LoginThrottle(perAccount: limits.loginFailuresPerAccount, perAddress: limits.loginFailuresPerAddress, window: limits.loginWindow))
    }

    /// Registers the routes. The router should carry a ``NativeErrorMiddleware`` of its own too,
    /// so that unknown paths get the envelope (other dialects' groups render their own).
    public func register(on router: Router<ParleyRequestContext>) {
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
    }
}
