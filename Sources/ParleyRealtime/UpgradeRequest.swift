import HummingbirdCore
import NIOHTTP1

/// What the realtime gateway reads from a WebSocket upgrade request: the URI with its query
/// (`role`, `site_id`, `token`, `visitor_id`, `batch`), and the `Origin` and `Host` headers.
struct UpgradeRequest: Sendable {
    let uri: URI
    let origin: String?
    let host: String?

    init(uri: String, origin: String?, host: String?) {
        self.uri = URI(uri)
        self.origin = origin
        self.host = host
    }

    init(_ head: HTTPRequestHead) {
        self.init(uri: head.uri, origin: head.headers.first(name: "Origin"), host: head.headers.first(name: "Host"))
    }

    /// A connection with a `role` speaks the native protocol (seed 004 §12); one without, omni.
    var isNative: Bool { uri.queryParameters["role"] != nil }

    /// `batch=1` (or `true`): several events per frame; absent, `0` or `false`: one each; nil
    /// for anything else (the connection is closed with 1008).
    var batches: Bool? {
        switch uri.queryParameters["batch"].map(String.init) {
        case nil, "0", "false": false
        case "1", "true": true
        default: nil
        }
    }
}
