/// Which of the five API documents a request path belongs to (CONTRACT §1's mounts), or the
/// admin API (`/admin/v1`), for metrics and logs; `other` for health, metrics, the web clients
/// and unknown paths.
public enum HTTPDialect: String, Sendable, CaseIterable {
    case native, omni, chats, operators, gateway, admin, other

    public init(path: String) {
        if path.hasPrefix("/api/shared/v1/") || path == "/api/shared/v1" {
            self = .chats
        } else if path.hasPrefix("/api/v1/") || path.hasPrefix("/widget/v1/") {
            self = .omni
        } else if path.hasPrefix("/v1/projects/") || path.hasPrefix("/gateway/v1/") {
            self = .gateway
        } else if path.hasPrefix("/operators/v1/") || ["/v1/clients", "/v1/operators", "/v1/chats"].contains(where: { Self.under(path, $0) }) {
            self = .operators
        } else if path.hasPrefix("/v1/") {
            self = .native
        } else if path.hasPrefix("/admin/v1/") {
            self = .admin
        } else {
            self = .other
        }
    }

    private static func under(_ path: String, _ mount: String) -> Bool {
        path == mount || path.hasPrefix(mount + "/") || path.hasPrefix(mount + "?")
    }
}
