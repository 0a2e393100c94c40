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

    func validate() throws {
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a positive number") }
    }

    func run() async throws {
        try common.begin(connections: 1)
        let setup = LoadSetup(base: common.base)
        let account = try await setup.signUp()
        let recorder = LatencyRecorder()
        let before = common.serverSample()
        let started = ContinuousClock.now
        let deadline = started + .seconds(common.duration)
        let progress = common.progress { "[churn] completed \(recorder.samples)" }
        let url = common.agentURL(account)
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
                        if FrameScan.isType("pong", text) { answered.yield() }
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
        Report(
            scenario: "churn", parameters: ["rate": "\(rate)"], seconds: elapsed.inSeconds, published: opened,
            delivered: completed, losses: opened - completed, latency: recorder.latency, server: before, after,
            deliveriesPerServerCPU: false
        ).print(json: common.json)
    }
}
