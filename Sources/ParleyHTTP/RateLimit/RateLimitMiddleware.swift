public import Hummingbird
import Metrics
import Synchronization

/// Applies ``RateLimits`` per principal and route class: 429 `RATE_LIMITED` with `Retry-After`.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = ParleyRequestContext
    let limits: RateLimits
    let buckets: Shared<TokenBuckets>

    public init(limits: RateLimits) {
        self.limits = limits
        buckets = Shared(TokenBuckets())
    }

    public func handle(
        _ request: Request, context: ParleyRequestContext, next: (Request, ParleyRequestContext) async throws -> Response
    ) async throws -> Response {
        guard limits.enabled else { return try await next(request, context) }
        let routeClass = RateLimits.routeClass(path: request.uri.path, isWrite: request.method != .get)
        let key = "\(routeClass.rawValue) \(context.principal?.identity ?? "address:\(context.clientAddress)")"
        if let wait = buckets.withLock({ $0.take(key, perMinute: limits.perMinute(routeClass), now: .now) }) {
            Counter(label: "parley_rate_limited_total", dimensions: [("route_class", routeClass.rawValue)]).increment()
            throw APIError.rateLimited(retryAfter: wait)
        }
        return try await next(request, context)
    }
}

/// A value behind a mutex, shared by copies of a middleware.
public final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    public init(_ value: Value) { self.value = Mutex(value) }

    public func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}
