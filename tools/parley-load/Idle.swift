import ArgumentParser
import Foundation
import Synchronization

/// `idle`: N connections held open (the server pings them) for T seconds; reports the server's
/// memory per connection. With `--peer nats|nchan`, the connections are subscribers of that
/// peer instead (`make bench-peers`; see `peer-room`).
struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "N idle connections held for T seconds; server memory per connection.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Connections to hold.")
    var connections: Int = 1000

    @Option(help: "Connections being set up at once, at most.")
    var handshakes: Int = 200

    @Option(help: "Hold subscribers of a peer instead of Parley sessions: nats or nchan.")
    var peer: PeerRoom.Peer?

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard handshakes >= 1 else { throw ValidationError("--handshakes must be at least 1") }
    }

    func run() async throws {
        try common.begin(connections: connections)
        let url: String
        switch peer {
        case nil: url = common.agentURL(try await LoadSetup(base: common.base).signUp())
        case .nats: url = common.webSocketBase() + "/"
        case .nchan: url = common.webSocketBase() + "/sub"
        }
        let peer = self.peer
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
            let answered: @Sendable () -> Void = {
                if settle() {
                    ready.withLock { $0 += 1 }
                    settled.withLock { $0 += 1 }
                    recorder.sample(microseconds: (WallClock.nanoseconds() - sent) / 1000)
                }
            }
            let stream = peer == .nats ? NatsConnectionStream() : nil
            let connection = LoadConnection.open(
                url: url, onOpen: peer == .nchan ? answered : nil,
                onEnd: { if settle() { settled.withLock { $0 += 1 } } }
            ) { text in
                switch peer {
                case nil: if FrameScan.isType("pong", text) { answered() }
                case .nats: stream?.feed(text) { if case .pong = $0 { answered() } }
                case .nchan: break
                }
            }
            switch peer {
            case nil: connection.send(#"{"type":"ping"}"#)
            case .nats: connection.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB idle \(index)\r\nPING\r\n")
            case .nchan: break
            }
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
            scenario: "idle", parameters: ["connections": "\(connections)", "peer": peer?.rawValue ?? "parley"], seconds: held.inSeconds, published: 0,
            delivered: 0, latency: recorder.latency, server: before, after, deliveriesPerServerCPU: false, closed: closed)
        report.rssBytesPerConnection = growth.map { Double($0) / Double(connections) }
        report.print(json: common.json)
    }
}
