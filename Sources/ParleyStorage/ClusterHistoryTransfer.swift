import Crypto
import Logging
import NIOCore
import ParleyHistory
import ParleyLog
import ParleyModel
import ParleyRedis

/// History files handed from node to node through Redis (docs/SCALING.md, "History files across
/// nodes"): a node that starts from the shared snapshot lacks the files its state names (their
/// messages left every node's RAM before it came). It asks for each on the channel
/// `<prefix>:history:wanted`; one node that has it (under the claim `history-send:<number>`)
/// puts it in Redis for ten minutes, in chunks of 4 MiB with its SHA-256, and the asking node
/// fetches, checks and writes it (temporary name, fsync, rename, directory fsync). Redis holds a
/// file only while it is being handed over.
public final class ClusterHistoryTransfer: Sendable {
    static let chunkBytes = 4 << 20
    static let lifetime: Duration = .seconds(600)

    private let client: RedisClient
    private let keys: RedisLog.Keys
    private let node: String
    private let logger: Logger

    init(client: RedisClient, keys: RedisLog.Keys, node: String, logger: Logger) {
        self.client = client
        self.keys = keys
        self.node = node
        self.logger = logger
    }

    var channel: String { "\(keys.prefix):history:wanted" }
    private func readyKey(_ number: UInt64) -> String { "\(keys.prefix):history:file:\(number)" }
    private func chunkKey(_ number: UInt64, _ index: Int) -> String { "\(keys.prefix):history:file:\(number):\(index)" }

    // MARK: Giving

    /// Answers other nodes' requests for the files of `history` until cancelled.
    func serve(_ history: HistoryStore, fileSystem: any FileSystem) async {
        let subscriber = RedisSubscriber(configuration: client.configuration, channels: [channel], logger: logger) { [self] _, payload in
            guard let number = UInt64(String(buffer: payload)) else { return }
            Task { await give(number, from: history, fileSystem: fileSystem) }
        }
        var backoff = RedisBackoff(initial: .milliseconds(100), max: .seconds(2))
        while !Task.isCancelled {
            do {
                try await subscriber.start()
                break
            } catch {
                try? await Task.sleep(for: backoff.next())
            }
        }
        await withTaskCancellationHandler {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) }
        } onCancel: {
            Task { await subscriber.shutdown() }
        }
    }

    /// Puts file `number` in Redis if this node has it and is the first to claim the handing over.
    func give(_ number: UInt64, from history: HistoryStore, fileSystem: any FileSystem) async {
        guard let file = history.file(number) else { return }
        do {
            guard try await client.send("EXISTS", .text(readyKey(number))).int == 0 else { return }
            let claimed = try await client.send(
                "SET", .text("\(keys.prefix):claim:history-send:\(number)"), .text(node), "NX", "PX", .integer(60_000))
            guard claimed.string == "OK" else { return }
            let bytes = try fileSystem.readFile(file.path)
            let chunks = stride(from: 0, to: max(bytes.count, 1), by: Self.chunkBytes).map { bytes[$0..<min($0 + Self.chunkBytes, bytes.count)] }
            for (index, chunk) in chunks.enumerated() {
                try await client.send(
                    "SET", .text(chunkKey(number, index)), .bytes(ByteBuffer(bytes: chunk)), "PX", .integer(Self.lifetime.redisMilliseconds))
            }
            let digest = Hex.encode(SHA256.hash(data: bytes))
            try await client.send("SET", .text(readyKey(number)), .text("\(chunks.count) \(digest)"), "PX", .integer(Self.lifetime.redisMilliseconds))
            logger.info("history file handed over", metadata: ["parley.history_file": "\(number)", "parley.bytes": "\(bytes.count)"])
        } catch {
            logger.warning("could not hand a history file over", metadata: ["parley.history_file": "\(number)", "parley.error": "\(error)"])
        }
    }

    // MARK: Taking

    /// Fetches every file of `numbers` that `directory` lacks from the other nodes, asking again
    /// every 2 s; throws when one has not come within `limit` (no live node has it).
    func fetch(_ numbers: Set<UInt64>, into directory: String, fileSystem: any FileSystem, within limit: Duration = .seconds(120)) async throws {
        try fileSystem.createDirectoryDurably(directory)
        for number in numbers.sorted() {
            let path = joinPath(directory, HistoryFileFormat.fileName(number: number))
            guard !fileSystem.fileExists(path) else { continue }
            let deadline = ContinuousClock.now + limit
            var asked: ContinuousClock.Instant?
            var ready: (chunks: Int, digest: String)?
            while ready == nil {
                if let value = try await client.send("GET", .text(readyKey(number))).string {
                    let parts = value.split(separator: " ")
                    if parts.count == 2, let chunks = Int(parts[0]) { ready = (chunks, String(parts[1])) }
                    continue
                }
                guard ContinuousClock.now < deadline else {
                    throw StorageError.missingRecords("history file \(number) is named by the cluster's state, but no live node handed it over")
                }
                if asked.map({ ContinuousClock.now - $0 > .seconds(2) }) ?? true {
                    try await client.send("PUBLISH", .text(channel), .text("\(number)"))
                    asked = .now
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            var bytes: [UInt8] = []
            for index in 0..<ready!.chunks {
                guard let chunk = try await client.send("GET", .text(chunkKey(number, index))).bytes else {
                    throw StorageError.missingRecords("history file \(number)'s part \(index) expired before it was fetched")
                }
                bytes += chunk.readableBytesView
            }
            guard Hex.encode(SHA256.hash(data: bytes)) == ready!.digest else {
                throw StorageError.io("history file \(number) handed over does not match its SHA-256")
            }
            let temporary = path + ".tmp"
            let file = try fileSystem.openForAppending(temporary)
            try file.append(bytes)
            try file.sync()
            try file.close()
            try fileSystem.rename(temporary, to: path)
            try fileSystem.syncDirectory(directory)
            logger.info("history file fetched from the cluster", metadata: ["parley.history_file": "\(number)", "parley.bytes": "\(bytes.count)"])
        }
    }
}

extension EventStore {
    /// On a cluster node, hands this node's history files to nodes that start without them until
    /// cancelled (``ClusterHistoryTransfer``); returns at once on one node.
    public func serveHistoryFiles() async {
        guard let cluster else { return }
        await cluster.historyFiles.serve(history, fileSystem: configuration.fileSystem)
    }
}
