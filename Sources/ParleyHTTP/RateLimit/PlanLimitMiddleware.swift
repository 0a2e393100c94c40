public import Hummingbird
public import ParleyEngine
import ParleyModel
import ParleyStorage

/// The plans' request budgets on the omni agent routes (seed 003): per site and minute, free
/// 100, pro 1,000, enterprise unlimited; 429 with `Retry-After` past them. Customers (visitors,
/// the widget) are never held to their site's plan. `--rate-limits off` lifts it.
public struct PlanLimitMiddleware: RouterMiddleware {
    public typealias Context = ParleyRequestContext
    let broker: Broker
    let limits: RateLimits
    let buckets = Shared(TokenBuckets())

    public init(broker: Broker, limits: RateLimits) {
        self.broker = broker
        self.limits = limits
    }

    public func handle(
        _ request: Request, context: ParleyRequestContext, next: (Request, ParleyRequestContext) async throws -> Response
    ) async throws -> Response {
        guard limits.enabled else { return try await next(request, context) }
        let site: SiteID? =
            switch context.principal {
            case .agent(_, let site, _, _)?, .secretKey(let site)?: site
            default: nil
            }
        if let site, let perMinute = broker.store.read({ $0.plans.plan(of: site) }).requestsPerMinute,
            let wait = buckets.withLock({ $0.take("plan \(site.rawValue)", perMinute: perMinute, now: .now) })
        {
            throw APIError.rateLimited(retryAfter: wait)
        }
        return try await next(request, context)
    }
}
