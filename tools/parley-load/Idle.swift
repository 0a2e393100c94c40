import ArgumentParser
import Foundation
import Synchronization

/// `idle`: N connections held open (the server pings them) for T seconds; reports the server's
/// memory per connection.
struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "N idle connections held for T seconds; server memory per connection.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Connections to hold.")
    var connections: Int = 1000

    @Option(help: "Connections being set up at once, at most.")
    var handshakes: Int = 200

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard handshakes >= 1 else { throw ValidationError("--handshakes must be at least 1") }
    }

    func run() async throws {
        try common.begin(connections: connections)
        let setup = LoadSetup(base: common.base)
        let account = try await setup.signUp()
        let before = common.serverSample()
        let ready = Mutex(0)
        // Answered or ended, each connection counted once: a run whose connections fail ends.
        let settled = Mutex(0)
        let recorder = LatencyRecorder()
        var open: [LoadConnection] = []
        let started = ContinuousClock.now
        for index in 0..<connections {
            // At most `handshakes` connections being set up at once: a burst of tens of thousands
            // of SYNs would overflow the server's accept queue.
            while index - settled.withLock({ $0 }) >= handshakes { try await Task.sleep(for: .milliseconds(2)) }
            let sent = WallClock.nanoseconds()
            let counted = Mutex(false)
            let settle: @Sendable () -> Bool = {
                counted.withLock { done in
                    defer { done = true }
                    return !done
                }
            }
            let connection = LoadConnection.open(
                url: common.agentURL(account),
                onEnd: { if settle() { settled.withLock { $0 += 1 } } }
            ) { text in
                if FrameScan.isType("pong", text), settle() {
                    ready.withLock { $0 += 1 }
                    settled.withLock { $0 += 1 }
                    recorder.sample(microseconds: (WallClock.nanoseconds() - sent) / 1000)
                }
            }
            connection.send(#"{"type":"ping"}"#)
            open.append(connection)
        }
        let progress = common.progress {
            "[idle] connected \(ready.withLock { $0 }) of \(connections), failed \(settled.withLock { $0 } - ready.withLock { $0 })"
        }
        while settled.withLock({ $0 }) < connections { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .seconds(common.duration))
        let held = ContinuousClock.now - started
        let after = common.serverSample()
        progress.cancel()
        let closed = LoadConnection.abnormalCloses(open)
        for connection in open { await connection.close() }
        let growth = before.flatMap { b in after.map { $0.rssBytes - b.rssBytes } }
        var report = Report(
            scenario: "idle", parameters: ["connections": "\(connections)"], seconds: held.inSeconds, published: 0,
            delivered: 0, latency: recorder.latency, server: before, after, deliveriesPerServerCPU: false, closed: closed)
        report.rssBytesPerConnection = growth.map { Double($0) / Double(connections) }
        report.print(json: common.json)
    }
}
