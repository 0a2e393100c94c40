import ArgumentParser
import Foundation
import NIOCore
import Synchronization

/// `peer-room`: the `room` scenario against a peer, for `make bench-peers` — one channel, N
/// WebSocket subscribers, one publisher at full rate with a window of unacknowledged messages,
/// measured the same way as Parley's (publish → deliver latency, losses and duplicates by the
/// sequence number in the payload, deliveries per server CPU-second).
///
/// - `nats`: nats-server's WebSocket listener (`--url ws://127.0.0.1:PORT`), the NATS text
///   protocol: subscribers `SUB room`, the publisher `PUB room`, acknowledged by a `PING` after
///   every 16 messages (its `PONG` means the server processed them).
/// - `nchan`: nginx + nchan (`--url ws://127.0.0.1:PORT`): subscribers on `/sub`, the publisher
///   on the WebSocket publisher location `/pub`, which answers every message.
struct PeerRoom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer-room", abstract: "The room scenario against nats-server or nginx + nchan.")

    enum Peer: String, ExpressibleByArgument, CaseIterable {
        case nats, nchan
    }

    @OptionGroup var common: CommonOptions

    @Option(help: "The peer's protocol: nats or nchan.")
    var peer: Peer

    @Option(help: "WebSocket subscribers.")
    var subscribers: Int = 1000

    @Option(help: "Unacknowledged messages in flight.")
    var window: Int = 64

    @Option(help: "Message size in bytes.")
    var size: Int = 200

    func validate() throws {
        guard subscribers >= 1 else { throw ValidationError("--subscribers must be at least 1") }
        guard window >= 16 else { throw ValidationError("--window must be at least 16") }
        guard size >= 40 else { throw ValidationError("--size must be at least 40") }
    }

    /// Messages one NATS `PING` acknowledges.
    static let natsAckEvery = 16

    func run() async throws {
        try common.begin(connections: subscribers + 1)
        let base = common.webSocketBase()
        let recorder = LatencyRecorder()
        let readiness = Readiness()
        var connections: [LoadConnection] = []
        for index in 0..<subscribers {
            let deliver: @Sendable (ByteBuffer) -> Void = { payload in
                if let (seq, stamp) = FrameScan.seqAndStamp(payload) {
                    recorder.delivered(subscriber: index, seq: seq, sentAt: stamp)
                }
            }
            switch peer {
            case .nats:
                let stream = NatsConnectionStream()
                let connection = LoadConnection.open(url: base + "/", onEnd: readiness.ended) { chunk in
                    stream.feed(chunk) { event in
                        switch event {
                        case .message(let payload): deliver(payload)
                        case .pong: readiness.answered()
                        }
                    }
                }
                connection.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false}\r\nSUB room 1\r\nPING\r\n")
                connections.append(connection)
            case .nchan:
                connections.append(LoadConnection.open(url: base + "/sub", onOpen: readiness.answered, onEnd: readiness.ended, onText: deliver))
            }
        }
        try await readiness.wait(for: subscribers)

        // Acknowledgements, in order: one per answered unit (16 messages for NATS, 1 for nchan).
        let unit = peer == .nats ? Self.natsAckEvery : 1
        let (acks, ackStream) = AsyncStream.makeStream(of: Void.self)
        let publisher: LoadConnection
        switch peer {
        case .nats:
            let stream = NatsConnectionStream()
            publisher = LoadConnection.open(url: base + "/", onEnd: { ackStream.finish() }) { chunk in
                stream.feed(chunk) { if case .pong = $0 { ackStream.yield() } }
            }
            publisher.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false}\r\n")
        case .nchan:
            publisher = LoadConnection.open(url: base + "/pub", onEnd: { ackStream.finish() }) { _ in ackStream.yield() }
        }
        let peer = self.peer
        let size = self.size
        func publish(_ seq: UInt64) {
            let payload = "\"seq\":\(seq);" + FrameScan.content(size: size - 16)
            switch peer {
            case .nats:
                var frame = "PUB room \(payload.utf8.count)\r\n\(payload)\r\n"
                if seq % UInt64(Self.natsAckEvery) == 0 { frame += "PING\r\n" }
                publisher.send(frame)
            case .nchan:
                publisher.send(payload)
            }
        }

        var acknowledged: [UInt64] = []
        let before = common.serverSample()
        let started = ContinuousClock.now
        let deadline = started + .seconds(common.duration)
        let progress = common.progress { "[peer-room \(peer.rawValue)] delivered \(recorder.delivered)" }
        var sent: UInt64 = 0
        var answered: UInt64 = 0
        var iterator = acks.makeAsyncIterator()
        while ContinuousClock.now < deadline {
            while sent - answered < UInt64(window) {
                sent += 1
                publish(sent)
            }
            guard await iterator.next() != nil else { break }
            for seq in (answered + 1)...(answered + UInt64(unit)) { acknowledged.append(seq) }
            answered += UInt64(unit)
        }
        let publishedFor = ContinuousClock.now - started
        // Whatever is still in flight gets its answer (a NATS tail short of 16 is never pinged,
        // so is not counted as acknowledged).
        let pending = (sent - answered) / UInt64(unit)
        for _ in 0..<pending {
            guard await iterator.next() != nil else { break }
            for seq in (answered + 1)...(answered + UInt64(unit)) { acknowledged.append(seq) }
            answered += UInt64(unit)
        }
        let expected = Set(acknowledged)
        let count = expected.count
        try await Drain.wait(sent: count, acknowledged: { count }) { recorder.delivered >= count * subscribers }
        let after = common.serverSample()
        progress.cancel()
        let closed = LoadConnection.abnormalCloses(connections)
        await publisher.close()
        for connection in connections { await connection.close() }
        Report(
            scenario: "peer-room",
            parameters: ["peer": peer.rawValue, "subscribers": "\(subscribers)", "size": "\(size)", "window": "\(window)"],
            seconds: publishedFor.inSeconds, published: expected.count, delivered: recorder.delivered,
            losses: recorder.losses(expected: expected, subscribers: subscribers), duplicates: recorder.duplicates,
            latency: recorder.latency, server: before, after, closed: closed
        ).print(json: common.json)
    }
}
