/// Why a hosted provider gave no answer. Each names the provider and what happened, for the
/// caller's error message; none of them is the caller's fault.
public enum AIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No API key is configured for the provider.
    case notConfigured(String)
    /// The provider could not be reached (refused, DNS, TLS).
    case unreachable(String)
    /// No answer within the time limit.
    case timedOut(String)
    /// 429 from the provider, with its `Retry-After` seconds when given.
    case rateLimited(String, retryAfter: Int?)
    /// The provider refused the request (a bad key, an unknown model, …).
    case rejected(String, status: Int, message: String)
    /// An answer that is not the provider's documented shape.
    case malformed(String, String)

    public var description: String {
        switch self {
        case .notConfigured(let provider): "no API key is configured for \(provider)"
        case .unreachable(let provider): "\(provider) could not be reached"
        case .timedOut(let provider): "\(provider) did not answer in time"
        case .rateLimited(let provider, _): "\(provider) is rate limiting requests; try again later"
        case .rejected(let provider, let status, let message): "\(provider) refused the request (HTTP \(status)): \(message)"
        case .malformed(let provider, let detail): "\(provider) answered in an unexpected shape: \(detail)"
        }
    }
}
