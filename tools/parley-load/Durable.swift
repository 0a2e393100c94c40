import ArgumentParser
import Foundation

/// `durable`: P publishers, each in its own conversation, each waiting for its ack before the
/// next message (or, with `--pipeline N`, keeping N messages unacknowledged). Reports ack
/// latency (send to ack) and how many messages each fsync carried.
struct Durable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "P concurrent publishers, each waiting for its ack.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Concurrent publishers.")
    var publishers: Int = 256

    @Option(help: "Message size in bytes.")
    var size: Int = 200

    @Option(help: "Messages each publisher keeps sent and not yet acknowledged (1: wait for each ack).")
    var pipeline: Int = 1

    func validate() throws {
        guard publishers >= 1 else { throw ValidationError("--publishers must be at least 1") }
        guard size >= 1 else { throw ValidationError("--size must be at least 1") }
        guard (1...1024).contains(pipeline) else { throw ValidationError("--pipeline must be 1 to 1024") }
    }

    func run() async throws {
        try common.begin(connections: publishers)
        let setup = LoadSetup(base: common.base)
        let account = try await setup.signUp()
        var visitors: [LoadSetup.Visitor] = []
        for index in 0..<publishers { visitors.append(try await setup.visitor(site: account.siteID, index: index)) }
        try await common.settle()
        let recorder = LatencyRecorder()
        let appendsBefore = await setup.counter("parley_log_appends_total")
        let fsyncsBefore = await setup.counter("parley_log_fsyncs_total")
        let before = common.serverSample()
        let pauseProbe = common.startPauseProbe()
        let started = ContinuousClock.now
        let deadline = started + .seconds(common.duration)
        let progress = common.progress { "[durable] acked \(recorder.samples)" }
        let size = self.size
        let pipeline = self.pipeline
        // Each publisher's connection, if the server closed it (other than normally) on the way.
        let closed = await withTaskGroup(of: [UInt16].self, returning: [UInt16].self) { group in
            for (index, visitor) in visitors.enumerated() {
                let url = common.visitorURL(account, visitor, connection: index)
                group.addTask {
                    let publisher = DurablePublisher(
                        conversationID: visitor.conversationID, size: size, deadline: deadline, recorder: recorder)
                    // A connection that ends stops its publisher.
                    let connection = LoadConnection.open(url: url, onEnd: { publisher.ended() }) { text in
                        if FrameScan.isType(.ack, text) { publisher.acked() }
                    }
                    publisher.start(on: connection, pipeline: pipeline)
                    await publisher.waitUntilDone()
                    let closed = LoadConnection.abnormalCloses([connection])
                    await connection.close()
                    return closed
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = ContinuousClock.now - started
        progress.cancel()
        let after = common.serverSample()
        let pauses = pauseProbe?.stop()
        let appends = await setup.counter("parley_log_appends_total") - appendsBefore
        let fsyncs = await setup.counter("parley_log_fsyncs_total") - fsyncsBefore
        let count = recorder.samples
        var report = Report(
            scenario: "durable", parameters: ["publishers": "\(publishers)", "size": "\(size)", "pipeline": "\(pipeline)"],
            seconds: elapsed.inSeconds, published: count, delivered: count, latency: recorder.latency, server: before, after,
            messagesPerFsync: fsyncs > 0 ? appends / fsyncs : nil, closed: closed)
        report.hostPauses = pauses
        report.print(json: common.json)
    }
}
