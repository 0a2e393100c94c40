import ArgumentParser
import Foundation

/// `durable`: P publishers, each in its own conversation, each waiting for its ack before the
/// next message. Reports ack latency and how many messages each fsync carried.
struct Durable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "P concurrent publishers, each waiting for its ack.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Concurrent publishers.")
    var publishers: Int = 256

    @Option(help: "Message size in bytes.")
    var size: Int = 200

    func run() async throws {
        try common.begin(connections: publishers)
        let setup = LoadSetup(base: common.base)
        let account = try await setup.signUp()
        var visitors: [LoadSetup.Visitor] = []
        for index in 0..<publishers { visitors.append(try await setup.visitor(site: account.siteID, index: index)) }
        let recorder = LatencyRecorder()
        let appendsBefore = await setup.counter("parley_log_appends_total")
        let fsyncsBefore = await setup.counter("parley_log_fsyncs_total")
        let before = common.serverPid.flatMap(ProcessSample.read)
        let started = ContinuousClock.now
        let deadline = started + .seconds(common.duration)
        let progress = common.progress { "[durable] acked \(recorder.samples)" }
        let size = self.size
        await withTaskGroup(of: Void.self) { group in
            for visitor in visitors {
                let url = common.visitorURL(account, visitor)
                group.addTask {
                    let (acks, ackStream) = AsyncStream.makeStream(of: Void.self)
                    // A connection that ends finishes the stream: its publisher stops.
                    let connection = LoadConnection.open(url: url, onEnd: { ackStream.finish() }) { text in
                        if FrameScan.isType("ack", text) { ackStream.yield() }
                    }
                    var iterator = acks.makeAsyncIterator()
                    while ContinuousClock.now < deadline {
                        let sent = WallClock.nanoseconds()
                        connection.send(
                            #"{"type":"message","conversation_id":"\#(visitor.conversationID)","content":"\#(FrameScan.content(size: size, now: sent))"}"#)
                        guard await iterator.next() != nil else { break }
                        recorder.sample(microseconds: (WallClock.nanoseconds() - sent) / 1000)
                    }
                    await connection.close()
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        progress.cancel()
        let after = common.serverPid.flatMap(ProcessSample.read)
        let appends = await setup.counter("parley_log_appends_total") - appendsBefore
        let fsyncs = await setup.counter("parley_log_fsyncs_total") - fsyncsBefore
        let seconds = elapsed.inSeconds
        let count = recorder.samples
        let cpu = ProcessSample.cpuSeconds(from: before, to: after)
        Report(
            scenario: "durable", parameters: ["publishers": "\(publishers)", "size": "\(size)"], seconds: seconds,
            published: count, delivered: count, deliveredPerSecond: Double(count) / seconds, losses: 0, duplicates: 0,
            latencyMicroseconds: recorder.latency, serverCPUSeconds: cpu, serverRSSBytes: after?.rssBytes,
            deliveredPerServerCPUSecond: cpu.map { Double(count) / max($0, 0.001) },
            messagesPerFsync: fsyncs > 0 ? appends / fsyncs : nil, sessionsClosedByServer: 0, closeCodes: []
        ).print(json: common.json)
    }
}
