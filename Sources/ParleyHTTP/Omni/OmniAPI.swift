public import Hummingbird
public import ParleyEngine

/// The omni dialect (seed 003) under `/api/v1`: for now its account endpoints, which are how a
/// new user signs up.
public struct OmniAPI: Sendable {
    let broker: Broker
    let tokens: TokenService
    let limits: RateLimits
    let loginThrottle: Shared<LoginThrottle>

    public init(broker: Broker, tokens: TokenService, limits: RateLimits, loginThrottle: Shared<LoginThrottle>) {
        self.broker = broker
        self.tokens = tokens
        self.limits = limits
        self.loginThrottle = loginThrottle
    }

    public func register(on router: Router<ParleyRequestContext>) {
        let group = router.group("api/v1")
            .add(middleware: OmniErrorMiddleware())
            .add(middleware: AuthenticationMiddleware(broker: broker, tokens: tokens))
            .add(middleware: RateLimitMiddleware(limits: limits))
            .add(middleware: IdempotencyMiddleware())
        OmniAuthController(broker: broker, tokens: tokens, limits: limits, throttle: loginThrottle).register(on: group)
    }
}
