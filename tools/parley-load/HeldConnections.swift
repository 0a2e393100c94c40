import Foundation
import Synchronization

/// Connections opened and held open: `idle`'s population, and `churn`'s background (`--hold`).
/// Opens `count` connections with at most `handshakes` being set up at once (a burst of tens of
/// thousands of SYNs would overflow the server's accept queue) and returns once each has
/// answered or ended, each counted once.
final class HeldConnections {
    /// How a connection is made: `answered` when the server answered it, `ended` when it ended
    /// (each may be called more than once; only the first of either counts).
    typealias Connect = (
        _ index: Int, _ answered: @escaping @Sendable () -> Void, _ ended: @escaping @Sendable () -> Void
    ) -> LoadConnection

    private(set) var connections: [LoadConnection] = []
    /// Connections that answered, and those that answered or ended.
    let counts = Counts()
    /// Connect → answer, per connection.
    let latency = LatencyRecorder()

    final class Counts: Sendable {
        fileprivate let state = Mutex((ready: 0, settled: 0))
        var ready: Int { state.withLock { $0.ready } }
        var failed: Int { state.withLock { $0.settled - $0.ready } }
    }

    /// Opens the connections; returns when every one has answered or ended.
    func open(count: Int, handshakes: Int, connect: Connect) async throws {
        let counts = counts
        let settled = { counts.state.withLock { $0.settled } }
        for index in 0..<count {
            while index - settled() >= handshakes { try await Task.sleep(for: .milliseconds(2)) }
            let sent = WallClock.nanoseconds()
            let counted = Mutex(false)
            let settle: @Sendable () -> Bool = {
                counted.withLock { done in
                    defer { done = true }
                    return !done
                }
            }
            let latency = latency
            let answered: @Sendable () -> Void = {
                if settle() {
                    counts.state.withLock {
                        $0.ready += 1
                        $0.settled += 1
                    }
                    latency.sample(microseconds: (WallClock.nanoseconds() - sent) / 1000)
                }
            }
            let ended: @Sendable () -> Void = { if settle() { counts.state.withLock { $0.settled += 1 } } }
            connections.append(connect(index, answered, ended))
        }
        while settled() < count { try await Task.sleep(for: .milliseconds(50)) }
    }

    /// Closes every connection (a close frame each, as a client leaving does).
    func close() async {
        for connection in connections { await connection.close() }
    }
}
