import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
private let RLIMIT_NOFILE_VALUE = Int32(RLIMIT_NOFILE.rawValue)
#else
private let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
#endif

/// The load harness: drives a running `parley serve` over real WebSocket connections and
/// reports publish → deliver latency (HdrHistogram), throughput, losses and duplicates by
/// `seq`, and — given its pid — the server's CPU seconds and RSS from /proc.
///
/// ```
/// parley serve --rate-limits off &
/// parley-load room --subscribers 1000 --rate max --duration 10 --server-pid $!
/// ```
@main
struct ParleyLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-load",
        abstract: "Load scenarios against a Parley server on loopback.",
        discussion: "Start the server with --rate-limits off. Every run stops by itself (--time-limit).",
        subcommands: [Room.self, Support.self, Durable.self, Idle.self, Churn.self, PeerRoom.self])
}

/// Options every scenario takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "The server's base URL (loopback only).")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "Seconds to publish.")
    var duration: Double = 10

    @Option(help: "Hard bound on the whole run in seconds (setup, publishing, draining); the run exits 3 past it.")
    var timeLimit: Double = 120

    @Option(help: "The server's pid: report its CPU seconds and RSS from /proc.")
    var serverPid: Int32?

    @Flag(help: "Print the results as JSON.")
    var json = false

    @Flag(help: "Count the host's pauses of the machine while measuring: a SCHED_FIFO thread sleeping 1 ms at a time; wakes over 3 ms late are reported.")
    var hostPauses = false

    @Flag(help: "No live progress line.")
    var quiet = false

    @Option(help: "Connections per loopback source address; past it, 127.0.0.2, 127.0.0.3, … (one address has ~28,000 ports).")
    var connectionsPerAddress: Int = ConnectionSpread.defaultPerAddress

    @Option(name: .customLong("node"), help: "Another node of the same cluster (repeatable, loopback only): sessions are spread round-robin over --url and these; set-up calls go to --url.")
    var nodes: [String] = []

    func validate() throws {
        for address in [url] + nodes {
            guard let host = URL(string: address)?.host, host == "localhost" || host.hasPrefix("127.") else {
                throw ValidationError("--url and --node must be loopback addresses (127.x.x.x or localhost)")
            }
        }
        guard duration > 0, timeLimit > duration else { throw ValidationError("need 0 < --duration < --time-limit") }
        guard (1...28_000).contains(connectionsPerAddress) else {
            throw ValidationError("--connections-per-address must be 1 to 28000")
        }
    }

    /// The server's CPU time and RSS now (nil without `--server-pid`).
    func serverSample() -> ProcessSample? { serverPid.flatMap(ProcessSample.read) }

    /// The host-pause probe for the measured stretch (nil without `--host-pauses`).
    func startPauseProbe() -> HostPauseProbe? { hostPauses ? HostPauseProbe() : nil }

    /// Descriptors kept free for everything but the connections (REST calls, /proc reads, stdio).
    static let spareDescriptors = 200

    var base: URL { URL(string: url)! }

    /// `ws://host:port` of connection `index`'s node (round-robin over --url and --node).
    func webSocketBase(_ index: Int = 0) -> String {
        let all = [url] + nodes
        return "ws" + all[index % all.count].dropFirst(4)
    }

    /// An agent session of the account (native protocol), on connection `index`'s node.
    func agentURL(_ account: LoadSetup.Account, connection index: Int = 0) -> String {
        "\(webSocketBase(index))/ws?site_id=\(account.siteID)&role=support&token=\(account.token)"
    }

    /// A visitor's session (native protocol), on connection `index`'s node.
    func visitorURL(_ account: LoadSetup.Account, _ visitor: LoadSetup.Visitor, connection index: Int = 0) -> String {
        "\(webSocketBase(index))/ws?site_id=\(account.siteID)&role=visitor&token=\(visitor.sessionToken)&visitor_id=\(visitor.clientID)"
    }

    /// With other nodes, waits a moment after the set-up so that every node has applied it.
    func settle() async throws {
        if !nodes.isEmpty { try await Task.sleep(for: .milliseconds(500)) }
    }

    /// Starts a run of `connections` connections: lets the process open as many descriptors as
    /// it may (one per connection) and refuses a run that would pass that limit (out of
    /// descriptors, libdispatch's thread monitor traps); ends the run if it outlives `--time-limit`.
    func begin(connections: Int) throws {
        ConnectionSpread.shared.perAddress = connectionsPerAddress
        var files = rlimit()
        if getrlimit(RLIMIT_NOFILE_VALUE, &files) == 0, files.rlim_cur < files.rlim_max {
            files.rlim_cur = files.rlim_max
            _ = setrlimit(RLIMIT_NOFILE_VALUE, &files)
        }
        if getrlimit(RLIMIT_NOFILE_VALUE, &files) == 0, connections + Self.spareDescriptors > Int(files.rlim_cur) {
            throw ValidationError(
                "\(connections) connections need more than this process's \(files.rlim_cur) open files "
                    + "(ulimit -n); at most \(Int(files.rlim_cur) - Self.spareDescriptors) here")
        }
        let limit = timeLimit
        Task.detached {
            try? await Task.sleep(for: .seconds(limit))
            FileHandle.standardError.write(Data("parley-load: time limit of \(limit) s reached\n".utf8))
            Foundation.exit(3)
        }
    }

    /// A live progress line on stderr, once a second, until the returned task is cancelled.
    func progress(_ line: @escaping @Sendable () -> String) -> Task<Void, Never> {
        let quiet = self.quiet || isatty(2) == 0
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if !quiet { FileHandle.standardError.write(Data("\r\(line())\u{1B}[K".utf8)) }
            }
            if !quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}
