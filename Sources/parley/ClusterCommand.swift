import ArgumentParser
import ParleyStorage

/// `parley cluster …`: operations on a cluster of nodes on Redis (docs/SCALING.md).
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Operations on a cluster of nodes on Redis (docs/SCALING.md).",
        subcommands: [Reseed.self])

    struct Reseed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a stopped node's newest snapshot back into a Redis that lost the cluster's data.",
            discussion: """
                Run it on the node whose newest snapshot has the highest LSN (parley snapshot list), with every \
                node stopped. It refuses while a node is live, when Redis's log already reaches the snapshot, and \
                over a Redis that still holds part of the log unless --replace is given. See docs/SCALING.md, \
                "Reseeding an empty Redis".
                """)
        @Option(help: "The stopped node's data directory.") var dataDir: String = "./data"
        @OptionGroup var clusterOptions: ClusterOptions
        @Flag(help: "Delete the cluster's keys first: Redis was restored from an older copy and still holds part of the log.")
        var replace = false
        @Option(name: .customLong("blobs-from"), help: "Another node's data directory to take uploaded files' bytes from (repeatable).")
        var blobsFrom: [String] = []
        @Flag(help: "Reseed even when some uploaded files' bytes are in no given data directory (those files lose their bytes).")
        var allowMissingBlobs = false

        func validate() throws {
            guard clusterOptions.redis != nil else { throw ValidationError("--redis (or PARLEY_REDIS) is required") }
        }

        func run() async throws {
            guard let cluster = clusterOptions.cluster else { throw ValidationError("--redis (or PARLEY_REDIS) is required") }
            do {
                let report = try await ClusterReseed.run(
                    StorageConfiguration(dataDirectory: dataDir), cluster: cluster,
                    options: .init(replace: replace, blobSources: blobsFrom, allowMissingBlobs: allowMissingBlobs))
                try FileOutput.json(report)
                if !report.blobsMissing.isEmpty {
                    FileOutput.standardError("parley: warning: \(report.blobsMissing.count) uploaded file(s) have no bytes in Redis")
                }
            } catch {
                throw CLIFailure(message: "\(error)")
            }
        }
    }
}
