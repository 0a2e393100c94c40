import Logging
import ParleyEngine
import ParleyHistory
import ParleyLog
import ParleyModel
import ParleyStorage
import ParleyTestSupport

/// A store and broker on the in-memory disk, with one site, agent, visitor and conversations.
struct StoreFixture {
    static let dataDirectory = "/data"

    static func configuration(_ fs: any FileSystem, segmentBytes: Int = 4096, keep: Int = 2) -> StorageConfiguration {
        StorageConfiguration(
            dataDirectory: dataDirectory, fsync: .always, segmentBytes: segmentBytes, snapshotsToKeep: keep,
            fileSystem: fs, usesLockFile: false,
            // History compaction runs only when a test calls it; then it moves all but the newest three.
            compaction: CompactionPolicy(keepNewest: 3, minimumMessages: 1))
    }

    static func open(_ fs: any FileSystem, segmentBytes: Int = 4096, keep: Int = 2) throws -> (EventStore, Broker) {
        // The crash tests make the log fail on purpose; its critical lines would only be noise.
        let quiet = Logger(label: "parley.test", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try EventStore.open(configuration(fs, segmentBytes: segmentBytes, keep: keep), logger: quiet)
        return (store, Broker(store: store, passwords: PasswordHasher(cost: 4)))
    }

    /// Creates a site, an agent, a visitor and `conversations` conversations.
    static func populate(_ broker: Broker, conversations: Int) async throws -> (Site, Agent, Visitor, [ConversationID]) {
        let site = try await broker.directory.createSite(name: "Shop", domain: "https://shop.example")
        let agent = try await broker.directory.createAgent(
            site: site.id, username: "alice", email: "alice@shop.example", password: "correct horse", role: .owner)
        let (visitor, _) = try await broker.directory.registerVisitor(site: site.id, externalID: "v_1", name: "Vera")
        var ids: [ConversationID] = []
        for _ in 0..<conversations {
            ids.append(try await broker.openConversation(site: site.id, visitor: visitor.id).id)
        }
        return (site, agent, visitor, ids)
    }
}
