import Foundation
import Hummingbird
import ParleyHTTP
import ParleyStorage

/// `GET /health`: 200 once the store has started and the server listens.
struct HealthController: Sendable {
    let store: EventStore

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/health") { _, _ -> Response in
            let body = #"{"status":"ok","applied_lsn":\#(store.appliedLSN)}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
    }
}
