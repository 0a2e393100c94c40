import ArgumentParser
import Foundation
import Synchronization

/// `support`: C conversations, each with a visitor session (native, receiving) and an agent
/// session (omni, publishing without subscribing, so that it does not receive the whole site);
/// Poisson publishes at a total rate R into random conversations; latency is publish → the
/// visitor's delivery.
struct Support: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "C conversations with a visitor and an agent each; Poisson publishes at total rate R.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Conversations (each has two sessions).")
    var conversations: Int = 100

    @Option(help: "Total publishes per second.")
    var rate: Double = 1000

    @Option(help: "Message size in bytes.")
    var size: Int = 200

    func validate() throws {
        guard conversations >= 1 else { throw ValidationError("--conversations must be at least 1") }
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a positive number") }
        guard size >= 1 else { throw ValidationError("--size must be at least 1") }
    }

    /// The omni (UUID) form of a native `conv_N` id (CONTRACT §2).
    static func omniConversation(_ native: String) -> String {
        let number = UInt64(native.dropFirst("conv_".count)) ?? 0
        let hex = String(number, radix: 16)
        return "00000004-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    func run() async throws {
        try common.begin(connections: 2 * conversations)
        let setup = LoadSetup(base: common.base)
        let account = try await setup.signUp()
        var visitors: [LoadSetup.Visitor] = []
        for index in 0..<conversations { visitors.append(try await setup.visitor(site: account.siteID, index: index)) }
        let recorder = LatencyRecorder()
        let readiness = Readiness()
        let acked = Mutex([Int: Set<UInt64>]())
        var receivers: [LoadConnection] = []
        var senders: [LoadConnection] = []
        for (index, visitor) in visitors.enumerated() {
            let receiver = LoadConnection.open(
                url: common.visitorURL(account, visitor), onEnd: readiness.ended
            ) { text in
                if FrameScan.isType(.message, text), let (seq, stamp) = FrameScan.seqAndStamp(text) {
                    recorder.delivered(subscriber: index, seq: seq, sentAt: stamp)
                } else if FrameScan.isType(.pong, text) {
                    readiness.answered()
                }
            }
            receiver.send(#"{"type":"ping"}"#)
            receivers.append(receiver)
            let sender = LoadConnection.open(url: "\(common.webSocketBase())/api/v1/ws", onEnd: readiness.ended) { text in
                if FrameScan.isType(.messageAck, text), let seq = FrameScan.seq(text) {
                    acked.withLock { _ = $0[index, default: []].insert(seq) }
                } else if FrameScan.isType(.pong, text) {
                    readiness.answered()
                }
            }
            sender.send(#"{"type":"auth","token":"Bearer \#(account.token)"}"#)
            sender.send(#"{"type":"ping"}"#)
            senders.append(sender)
        }
        try await readiness.wait(for: 2 * conversations)

        let omniIDs = visitors.map { Self.omniConversation($0.conversationID) }
        let before = common.serverSample()
        let pauseProbe = common.startPauseProbe()
        let started = ContinuousClock.now
        let deadline = started + .seconds(common.duration)
        let progress = common.progress { "[support] delivered \(recorder.delivered)" }
        var generator = SystemRandomNumberGenerator()
        var next = started
        var sent = 0
        let size = self.size
        while next < deadline {
            // Every publish that is due (Poisson arrivals: exponential gaps with mean 1/R), each
            // stamped here (so the wait for the event loop counts against the latency), then
            // written in one hop to the harness's event loop: a hop and a task wake-up per
            // message would make the harness, not the server, the cost on the client's core.
            var due: [(connection: LoadConnection, frame: String)] = []
            let now = ContinuousClock.now
            while next <= now, next < deadline {
                let index = Int.random(in: 0..<conversations, using: &generator)
                due.append((senders[index], FrameScan.message(to: omniIDs[index], size: size)))
                next += .seconds(-log(Double.random(in: Double.ulpOfOne..<1, using: &generator)) / rate)
            }
            sent += due.count
            LoadConnection.onLoop { [due] in
                for (connection, frame) in due { connection.send(frame) }
            }
            if next > ContinuousClock.now { try await Task.sleep(until: next) }
        }
        let publishedFor = ContinuousClock.now - started
        let ackedCount = { acked.withLock { $0.values.reduce(0) { $0 + $1.count } } }
        try await Drain.wait(sent: sent, acknowledged: ackedCount) { recorder.delivered >= ackedCount() }
        let expected = acked.withLock { $0 }
        let after = common.serverSample()
        let pauses = pauseProbe?.stop()
        progress.cancel()
        let closed = LoadConnection.abnormalCloses(receivers + senders)
        for connection in senders + receivers { await connection.close() }
        var report = Report(
            scenario: "support",
            parameters: ["conversations": "\(conversations)", "rate": "\(rate)", "size": "\(size)"],
            seconds: publishedFor.inSeconds, published: expected.values.reduce(0) { $0 + $1.count },
            delivered: recorder.delivered, losses: recorder.losses(perSubscriber: expected), duplicates: recorder.duplicates,
            latency: recorder.latency, server: before, after, closed: closed)
        report.hostPauses = pauses
        report.print(json: common.json)
    }
}
