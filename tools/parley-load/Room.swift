import ArgumentParser
import Foundation
import Synchronization

/// `room`: one conversation, N subscribed agent sessions, one publisher at a rate (or `max`,
/// with a window of unacknowledged messages).
struct Room: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One conversation, N subscribers, publish rate R.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Subscribed agent sessions.")
    var subscribers: Int = 100

    @Option(help: "Messages per second, or max.")
    var rate: String = "max"

    @Option(help: "Unacknowledged messages in flight with --rate max.")
    var window: Int = 64

    @Option(help: "Message size in bytes.")
    var size: Int = 200

    @Flag(help: "Subscribers ask for several events per WebSocket frame (batch=1).")
    var batch = false

    func validate() throws {
        guard subscribers >= 1 else { throw ValidationError("--subscribers must be at least 1") }
        guard rate == "max" || (Double(rate) ?? 0) > 0 else { throw ValidationError("--rate is a positive number or max") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard size >= 1 else { throw ValidationError("--size must be at least 1") }
    }

    func run() async throws {
        try common.begin(connections: subscribers + 1)
        let setup = LoadSetup(base: common.base)
        let account = try await setup.signUp()
        let visitor = try await setup.visitor(site: account.siteID, index: 0)
        let recorder = LatencyRecorder()
        let readiness = Readiness()
        var connections: [LoadConnection] = []
        let frames = Atomic<Int>(0)
        try await common.settle()
        for index in 0..<subscribers {
            let connection = LoadConnection.open(
                url: common.agentURL(account, connection: index) + (batch ? "&batch=1" : ""), onEnd: readiness.ended
            ) { frame in
                frames.add(1, ordering: .relaxed)
                FrameScan.events(frame) { text in
                    if FrameScan.isType(.message, text) {
                        if let (seq, stamp) = FrameScan.seqAndStamp(text) {
                            recorder.delivered(subscriber: index, seq: seq, sentAt: stamp)
                        }
                    } else if FrameScan.isType(.pong, text) {
                        readiness.answered()
                    }
                }
            }
            connection.send(#"{"type":"ping"}"#)
            connections.append(connection)
        }
        try await readiness.wait(for: subscribers)

        let (acks, ackStream) = AsyncStream.makeStream(of: UInt64.self)
        let acked = Mutex(Set<UInt64>())
        let publisher = LoadConnection.open(
            url: common.visitorURL(account, visitor)
        ) { text in
            if FrameScan.isType(.ack, text), let seq = FrameScan.seq(text) {
                acked.withLock { _ = $0.insert(seq) }
                ackStream.yield(seq)
            }
        }
        let before = common.serverSample()
        let pauseProbe = common.startPauseProbe()
        let framesBefore = frames.load(ordering: .relaxed)
        let started = ContinuousClock.now
        let deadline = started + .seconds(common.duration)
        let progress = common.progress {
            "[room] published \(acked.withLock { $0.count }) delivered \(recorder.delivered)"
        }
        let conversation = visitor.conversationID
        var sent = 0
        if let perSecond = Double(rate) {
            // Paced by the clock, not by acks: nothing reads the ack stream.
            ackStream.finish()
            let interval = Duration.seconds(1 / perSecond)
            var next = started
            while next < deadline {
                sent += 1
                publisher.send(FrameScan.message(to: conversation, size: size))
                next += interval
                try await Task.sleep(until: next)
            }
        } else {
            var inFlight = 0
            var iterator = acks.makeAsyncIterator()
            while ContinuousClock.now < deadline {
                while inFlight < window {
                    sent += 1
                    publisher.send(FrameScan.message(to: conversation, size: size))
                    inFlight += 1
                }
                guard await iterator.next() != nil else { break }
                inFlight -= 1
            }
        }
        let publishedFor = ContinuousClock.now - started
        let ackedCount = { acked.withLock { $0.count } }
        try await Drain.wait(sent: sent, acknowledged: ackedCount) { recorder.delivered >= ackedCount() * subscribers }
        let expected = acked.withLock { $0 }
        let after = common.serverSample()
        let pauses = pauseProbe?.stop()
        let framesReceived = frames.load(ordering: .relaxed) - framesBefore
        progress.cancel()
        // Sessions the server closed while we ran (4008: a subscriber read too slowly).
        let closed = LoadConnection.abnormalCloses(connections)
        await publisher.close()
        for connection in connections { await connection.close() }

        var report = Report(
            scenario: "room",
            parameters: ["subscribers": "\(subscribers)", "rate": rate, "size": "\(size)", "batch": "\(batch)"],
            seconds: publishedFor.inSeconds, published: expected.count, delivered: recorder.delivered,
            losses: recorder.losses(expected: expected, subscribers: subscribers), duplicates: recorder.duplicates,
            latency: recorder.latency, server: before, after, closed: closed)
        report.messagesPerFrame = framesReceived > 0 ? Double(recorder.delivered) / Double(framesReceived) : nil
        report.hostPauses = pauses
        report.print(json: common.json)
    }
}
