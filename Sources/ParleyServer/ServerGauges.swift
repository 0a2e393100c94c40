import Foundation
import Metrics
import ParleyEngine
import ParleyRealtime
import ParleySnapshot
import ParleyStorage
public import ServiceLifecycle

/// Gauges sampled when `/metrics` is scraped rather than kept up to date on every change.
enum ServerGauges {
    static let actors = Gauge(label: "parley_conversation_actors")
    static let snapshotAge = Gauge(label: "parley_snapshot_age_seconds")

    static func sample(hub: Hub, broker: Broker, store: EventStore) {
        hub.sampleMetrics()
        actors.record(broker.liveActors)
        // The newest snapshot's age; none yet: the process's lifetime so far would mislead, so
        // the series is left out until the first snapshot exists.
        if let newest = try? store.listSnapshots().first, let created = newest.header?.createdAt {
            snapshotAge.record(Double(max(0, Int64(Date().timeIntervalSince1970 * 1000) - created)) / 1000)
        }
    }
}

/// The first service to hear of graceful shutdown (last in the group): `/ready` answers 503
/// from then on, while sessions close and the HTTP server drains.
struct DrainSignal: Service {
    let readiness: Readiness

    func run() async throws {
        try? await gracefulShutdown()
        readiness.drain()
    }
}
