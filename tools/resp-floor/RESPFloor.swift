import ArgumentParser
import NIOCore
import NIOPosix

/// `resp-floor`: the job `redis-server --appendonly yes --appendfsync always` does under
/// `redis-benchmark -t set`, in the fewest lines SwiftNIO allows: read a SET, append it to a
/// file, `fdatasync` once per pass of the event loop, reply `+OK`. One event loop, as redis
/// has one thread. It is not a product: it measures the floor SwiftNIO and Swift put under
/// Parley's `durable` figures (`make bench-peers`, docs/PERFORMANCE.md).
@main
struct RESPFloor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resp-floor", abstract: "A minimal SwiftNIO server for redis-benchmark -t set, fsync always.")

    @Option(help: "The port to listen on (127.0.0.1).")
    var port: Int = 6390

    @Option(help: "The append-only file.")
    var file: String

    func run() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        // Made on the loop it belongs to (a loop-bound value is checked there).
        let path = file
        let appendOnly = try loop.submit { NIOLoopBound(try AppendOnlyFile(path: path), eventLoop: loop) }.wait()
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(RESPCommandDecoder()), CommandHandler(file: appendOnly.value),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        print("resp-floor: listening on 127.0.0.1:\(port)")
        try channel.closeFuture.wait()
    }
}
