/// Requests per minute per principal (agent, visitor, site key; the client address when
/// anonymous), by route class — the native seed's table; all configurable.
public struct RateLimits: Sendable, Hashable {
    public var enabled = true
    public var authentication = 10
    public var messages = 60
    public var fileUpload = 20
    public var analysis = 30
    public var other = 100
    /// Widget API requests per minute per site key (`pk_…`), on top of the per-address budget.
    public var widgetPerKey = 600
    /// Failed logins per account before it is locked for the window.
    public var loginFailuresPerAccount = 5
    /// Failed logins per client address before it is locked for the window.
    public var loginFailuresPerAddress = 20
    public var loginWindow: Duration = .seconds(15 * 60)

    public init() {}

    /// Route classes of the rate-limit table.
    public enum RouteClass: String, Sendable {
        case authentication, messages, fileUpload, analysis, other
    }

    public func perMinute(_ routeClass: RouteClass) -> Int {
        switch routeClass {
        case .authentication: authentication
        case .messages: messages
        case .fileUpload: fileUpload
        case .analysis: analysis
        case .other: other
        }
    }

    /// The class of a request, from its path and method.
    public static func routeClass(path: String, isWrite: Bool) -> RouteClass {
        if path.contains("/auth/") { return .authentication }
        if path.contains("/analysis") || path.contains("/analyze") { return .analysis }
        if path.contains("/files") && isWrite { return .fileUpload }
        if path.contains("/messages") && isWrite { return .messages }
        return .other
    }
}
