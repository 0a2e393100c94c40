import Dispatch
public import Hummingbird
import Metrics

/// Counts every HTTP request by dialect, route pattern (the router's, e.g.
/// `/v1/conversations/{id}`; `unmatched` when no route took it) and status class, and times it
/// per dialect until its response is ready (a streamed body goes on after): `parley_http_requests_total` and
/// `parley_http_request_duration_seconds`. Hummingbird's own `MetricsMiddleware` labels by
/// method and exact status with dotted names; operators asked for dialect and status class in
/// Prometheus's naming. Outermost, so it sees the status the error envelope produced.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let dialect = HTTPDialect(path: request.uri.path)
        do {
            let response = try await next(request, context)
            Self.record(dialect, route: context.endpointPath, status: response.status.code, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            Self.record(dialect, route: context.endpointPath, status: status, since: started)
            throw error
        }
    }

    static func record(_ dialect: HTTPDialect, route: String?, status: Int, since started: UInt64) {
        Counter(
            label: "parley_http_requests_total",
            dimensions: [("dialect", dialect.rawValue), ("route", route ?? "unmatched"), ("status", "\(status / 100)xx")]
        ).increment()
        Timer(label: "parley_http_request_duration_seconds", dimensions: [("dialect", dialect.rawValue)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
    }
}
