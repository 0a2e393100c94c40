import Foundation
import Hummingbird
import ParleyHTTP
import ParleyStorage
import Synchronization

/// `GET /health`: 200 while the process serves (liveness). `GET /ready`: 200 while it accepts
/// work, 503 `{"status":"draining"}` from the moment SIGTERM starts the drain (readiness: a
/// load balancer stops sending new clients while sessions close). docs/OPERATIONS.md has the
/// probe settings.
struct HealthController: Sendable {
    let store: EventStore
    let readiness: Readiness

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/health") { _, _ -> Response in
            Self.json(.ok, #"{"status":"ok","applied_lsn":\#(store.appliedLSN)}"#)
        }
        router.get("/ready") { _, _ -> Response in
            readiness.isDraining
                ? Self.json(.serviceUnavailable, #"{"status":"draining"}"#)
                : Self.json(.ok, #"{"status":"ready","applied_lsn":\#(store.appliedLSN)}"#)
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Whether the server still takes new work: set to draining when graceful shutdown begins.
public final class Readiness: Sendable {
    private let draining = Mutex(false)

    public init() {}

    public var isDraining: Bool { draining.withLock { $0 } }

    public func drain() { draining.withLock { $0 = true } }
}
