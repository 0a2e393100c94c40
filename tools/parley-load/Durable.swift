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

    func validate() throws {
        guard publishers >= 1 else { throw ValidationError("--publishers must be at least 1") }
        guard size >= 1 else { throw ValidationError("--size must be at least 1") }
    }

    func run() async throws {
        try common.begin(connections: publishers)
        let setup = LoadSetup(base: common.base)
        let account = try await setup.signUp()
        var visitors: [LoadSetup.Visitor] = []
        for index in 0..<publishers { visitors.append(try await setup.visitor(site: account.siteID, index: index)) }
        let recorder = LatencyRecorder()
        let appendsBefore = await setup.counter("parley_log_appends_total")
        let fsyncsBefore = await setup.counter("parley_log_fsyncs_total")
        let before = common.serverSample()
        let started = ContinuousClock.now
        let deadline = started + .seconds(common.duration)
        let progress = common.progress { "[durable] acked \(recorder.samples)" }
        let size = self.size
        // Each publisher's connection, if the server closed it (other than normally) on the way.
        let closed = await withTaskGroup(of: [UInt16].self, returning: [UInt16].self) { group in
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
        let appends = await setup.counter("parley_log_appends_total") - appendsBefore
        let fsyncs = await setup.counter("parley_log_fsyncs_total") - fsyncsBefore
        let count = recorder.samples
        Report(
            scenario: "durable", parameters: ["publishers": "\(publishers)", "size": "\(size)"],
            seconds: elapsed.inSeconds, published: count, delivered: count, latency: recorder.latency, server: before, after,
            messagesPerFsync: fsyncs > 0 ? appends / fsyncs : nil, closed: closed
        ).print(json: common.json)
    }
}
