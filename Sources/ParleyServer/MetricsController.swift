import Hummingbird
import ParleyHTTP
import Prometheus

/// `GET /metrics`: the Prometheus text exposition of every swift-metrics metric.
struct MetricsController: Sendable {
    let registry: PrometheusCollectorRegistry

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(8192)
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}
