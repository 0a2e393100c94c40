import Hummingbird
import ParleyHTTP
import Prometheus

/// `GET /metrics`: the Prometheus text exposition of every swift-metrics metric, after the
/// sampled gauges are brought up to date (`sample`), followed by the `process_*` series.
struct MetricsController: Sendable {
    let registry: PrometheusCollectorRegistry
    let sample: @Sendable () -> Void

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/metrics") { _, _ -> Response in
            sample()
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16384)
            registry.emit(into: &buffer)
            buffer += Array(ProcessMetrics.exposition().utf8)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}
