import Synchronization

/// A scenario's connections as they answer their first ping or end: the run starts when all
/// answered, and stops at once (instead of at `--time-limit`) when one ended before that.
final class Readiness: Sendable {
    struct ConnectionsLost: Error, CustomStringConvertible {
        var ended: Int
        var ready: Int
        var expected: Int
        var description: String {
            "\(ended) connection(s) ended before answering (\(ready) of \(expected) ready): is the server up, and allowed that many?"
        }
    }

    private let counts = Mutex((ready: 0, ended: 0))

    init() {}

    func answered() { counts.withLock { $0.ready += 1 } }
    func ended() { counts.withLock { $0.ended += 1 } }
    var ready: Int { counts.withLock { $0.ready } }

    /// Returns once `expected` connections answered; throws if any ended first.
    func wait(for expected: Int) async throws {
        while true {
            let (ready, ended) = counts.withLock { ($0.ready, $0.ended) }
            if ended > 0 { throw ConnectionsLost(ended: ended, ready: ready, expected: expected) }
            if ready >= expected { return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
