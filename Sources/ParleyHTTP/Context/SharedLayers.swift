public import ParleyEngine

/// The layers every dialect stacks on its routes, built once so that they share their state:
/// one rate-limit budget and one `Idempotency-Key` table per caller, one login throttle per
/// account, whichever dialect the request comes through.
public struct SharedLayers: Sendable {
    let authentication: AuthenticationMiddleware
    let rateLimits: RateLimitMiddleware
    let idempotency: IdempotencyMiddleware
    let loginGate: LoginGate
    let limits: RateLimits

    public init(broker: Broker, tokens: TokenService, limits: RateLimits) {
        self.limits = limits
        authentication = AuthenticationMiddleware(broker: broker, tokens: tokens)
        rateLimits = RateLimitMiddleware(limits: limits)
        idempotency = IdempotencyMiddleware(store: broker.store)
        loginGate = LoginGate(broker: broker, limits: limits, throttle: Shared(LoginThrottle(limits: limits)))
    }
}
