import ArgumentParser
import Foundation
import Synchronization

/// `churn`: opens K connections per second, each closing again once the server answered its
/// first frame; reports how many completed per second and the connect → first answer latency.
struct Churn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Connects and disconnects per second.")

    @OptionGroup var common: CommonOptions

    @Option(help: "New connections per second.")
    var rate: Double = 200

    @Option(help: "Connections held open meanwhile (opened first, closed after): the server's work per new connection beside an established population.")
    var hold: Int = 0

    @Option(help: "Held connections being set up at once, at most.")
    var handshakes: Int = 200

    func validate() throws {
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a positive number") }
        guard hold >= 0 else { throw ValidationError("--hold must not be negative") }
        guard handshakes >= 1 else { throw ValidationError("--handshakes must be at least 1") }
    }

    func run() async throws {
        // Churned connections live milliseconds: two seconds' worth open at once is ample.
        try common.begin(connections: hold + Int(min(rate * 2, 1_000_000)) + 1)
        let setup = LoadSetup(base: common.base)
        let account = try await setup.signUp()
        let recorder = LatencyRecorder()
        let url = common.agentURL(account)
        let held = HeldConnections()
        if hold > 0 {
            try await held.open(count: hold, handshakes: handshakes) { _, answered, ended in
                let connection = LoadConnection.open(url: url, onEnd: ended) { text in
                    if FrameScan.isType(.pong, text) { answered() }
                }
                connection.send(#"{"type":"ping"}"#)
                return connection
            }
            guard held.counts.failed == 0 else { throw ValidationError("\(held.counts.failed) of \(hold) held connections failed") }
        }
        let before = common.serverSample()
        let started = ContinuousClock.now
        let deadline = started + .seconds(common.duration)
        let progress = common.progress { "[churn] completed \(recorder.samples)" }
        let interval = Duration.seconds(1 / rate)
        var opened = 0
        await withTaskGroup(of: Void.self) { group in
            var next = started
            while next < deadline {
                opened += 1
                group.addTask {
                    let sent = WallClock.nanoseconds()
                    let (answers, answered) = AsyncStream.makeStream(of: Void.self)
                    // A connection that ends unanswered counts as lost, not as a hang.
                    let connection = LoadConnection.open(url: url, onEnd: { answered.finish() }) { text in
                        if FrameScan.isType(.pong, text) { answered.yield() }
                    }
                    connection.send(#"{"type":"ping"}"#)
                    var iterator = answers.makeAsyncIterator()
                    if await iterator.next() != nil {
                        recorder.sample(microseconds: (WallClock.nanoseconds() - sent) / 1000)
                    }
                    await connection.close()
                }
                next += interval
                try? await Task.sleep(until: next)
            }
        }
        let elapsed = ContinuousClock.now - started
        progress.cancel()
        let after = common.serverSample()
        let completed = recorder.samples
        await held.close()
        Report(
            scenario: "churn", parameters: ["rate": "\(rate)", "hold": "\(hold)"], seconds: elapsed.inSeconds, published: opened,
            delivered: completed, losses: opened - completed, latency: recorder.latency, server: before, after,
            deliveriesPerServerCPU: false
        ).print(json: common.json)
    }
}
