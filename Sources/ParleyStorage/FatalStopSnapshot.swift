import Logging
import ParleySnapshot
import Synchronization

/// A snapshot a cluster node writes when it must stop because it can no longer follow the
/// cluster log (a gap, an entry it cannot read, Redis went back): in cluster mode the node has
/// no log of its own, so without it everything applied since its last snapshot would be known
/// only to Redis, which in the last case lost it. Every record the state holds came from Redis's
/// stream after Redis had made it durable, so the snapshot is a state the cluster was in, and
/// the one `parley cluster reseed` starts again from.
final class FatalStopSnapshot: Sendable {
    private struct Target {
        weak var store: EventStore?
    }

    private let target = Mutex(Target())
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// The store to snapshot, once it exists (a stop while catching up keeps the older snapshot).
    func watch(_ store: EventStore) { target.withLock { $0.store = store } }

    func take() {
        guard let store = target.withLock({ $0.store }) else { return }
        do {
            if let info = try store.takeSnapshot() {
                logger.notice("snapshot written before stopping", metadata: ["parley.snapshot": "\(info.fileName)"])
            }
        } catch {
            logger.error("no snapshot before stopping", metadata: ["parley.error": "\(error)"])
        }
    }
}
