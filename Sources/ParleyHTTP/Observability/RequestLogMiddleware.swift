import Dispatch
public import Hummingbird
import HummingbirdCore
import Logging

/// One debug line per HTTP request, when it is answered: method, path with its query (the values
/// of credential parameters such as `token` replaced by `[redacted]`), status and duration.
/// Hummingbird's `LogRequestsMiddleware` logs the whole URI, which would put a token sent in a
/// query (a download link, a WebSocket fallback) into the log.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Query parameters whose values are never logged.
    static var credentials: Set<String> { ["token", "access_token", "refresh_token", "key", "api_key", "secret", "password", "code", "signature", "sig"] }

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let response = try await next(request, context)
            log(request, context, status: response.status.code, since: started)
            return response
        } catch {
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since started: UInt64) {
        context.logger.debug(
            "request",
            metadata: [
                "parley.method": .string(request.method.rawValue), "parley.path": .string(Self.redacted(request.uri)),
                "parley.status": .stringConvertible(status),
                "parley.duration_ms": .stringConvertible(Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000),
            ])
    }

    /// The path and query, credential values replaced.
    static func redacted(_ uri: URI) -> String {
        guard let query = uri.query, !query.isEmpty else { return uri.path }
        let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return credentials.contains(name.lowercased()) ? "\(name)=[redacted]" : String(pair)
        }
        return uri.path + "?" + parts.joined(separator: "&")
    }
}
