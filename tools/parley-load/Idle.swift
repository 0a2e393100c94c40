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
        let held = HeldConnections()
        let started = ContinuousClock.now
        let counts = held.counts
        let progress = common.progress {
            "[idle] connected \(counts.ready) of \(connections), failed \(counts.failed)"
        }
        try await held.open(count: connections, handshakes: handshakes) { index, answered, ended in
            let stream = peer == .nats ? NatsConnectionStream() : nil
            let connection = LoadConnection.open(url: url, onOpen: peer == .nchan ? answered : nil, onEnd: ended) { text in
                switch peer {
                case nil: if FrameScan.isType(.pong, text) { answered() }
                case .nats: stream?.feed(text) { if case .pong = $0 { answered() } }
                case .nchan: break
                }
            }
            switch peer {
            case nil: connection.send(#"{"type":"ping"}"#)
            case .nats: connection.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB idle \(index)\r\nPING\r\n")
            case .nchan: break
            }
            return connection
        }
        try await Task.sleep(for: .seconds(common.duration))
        let holding = ContinuousClock.now - started
        let after = common.serverSample()
        progress.cancel()
        let closed = LoadConnection.abnormalCloses(held.connections)
        await held.close()
        let growth = before.flatMap { b in after.map { $0.rssBytes - b.rssBytes } }
        var report = Report(
            scenario: "idle", parameters: ["connections": "\(connections)", "peer": peer?.rawValue ?? "parley"], seconds: holding.inSeconds, published: 0,
            delivered: 0, latency: held.latency.latency, server: before, after, deliveriesPerServerCPU: false, closed: closed)
        report.rssBytesPerConnection = growth.map { Double($0) / Double(connections) }
        report.print(json: common.json)
    }
}
