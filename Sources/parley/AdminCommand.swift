import ArgumentParser
import ParleyEngine
import ParleyLog
import ParleyModel
import ParleyStorage

/// `parley admin …`: create sites and agents on a data directory no server is using.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Create sites and agents, erase visitors, set retention (on a stopped server's data directory).",
        subcommands: [CreateSite.self, CreateAgent.self, Seed.self, EraseVisitor.self, SetRetention.self])

    static func withBroker<T>(_ dataDir: String, _ body: (Broker) async throws -> T) async throws -> T {
        let store: EventStore
        do {
            store = try EventStore.open(StorageConfiguration(dataDirectory: dataDir))
        } catch {
            throw CLIFailure(message: "\(error)")
        }
        defer { store.close() }
        do {
            return try await body(Broker(store: store))
        } catch let error as EngineError {
            throw CLIFailure(message: "\(error.code.rawValue): \(error.message)", exitCode: error.code == .validation ? 2 : 1)
        }
    }

    struct CreateSite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a site; prints its id and keys as JSON.")
        @Option(help: "The data directory.") var dataDir: String = "./data"
        @Option(help: "The site's name.") var name: String
        @Option(help: "The website origin, e.g. https://shop.example.") var domain: String = ""

        func run() async throws {
            let site = try await AdminCommand.withBroker(dataDir) { broker in
                try await broker.directory.createSite(name: name, domain: domain)
            }
            try FileOutput.json(
                SiteJSON(
                    site_id: NativeID.format(site.id), name: site.name, domain: site.domain, public_key: site.publicKey,
                    secret_key: site.secretKey, created_at: site.createdAt.rfc3339))
        }
    }

    struct CreateAgent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an agent of a site; prints its id as JSON.")
        @Option(help: "The data directory.") var dataDir: String = "./data"
        @Option(help: "The site, e.g. site_1.") var siteId: String
        @Option(help: "Login name.") var username: String
        @Option(help: "E-mail (also accepted as login).") var email: String
        @Option(help: "Password (at least 8 bytes).") var password: String
        @Option(help: "owner | admin | agent") var role: String = "agent"
        @Option(help: "Display name (default: the username).") var name: String?
        @Flag(help: "The agent is a bot.") var bot = false

        func validate() throws {
            guard NativeID.parse(siteId, as: SiteID.self) != nil else { throw ValidationError("--site-id must look like site_1") }
            guard AgentRole(name: role) != nil else { throw ValidationError("--role must be owner, admin or agent") }
        }

        func run() async throws {
            guard let site = NativeID.parse(siteId, as: SiteID.self), let role = AgentRole(name: role) else { return }
            let agent = try await AdminCommand.withBroker(dataDir) { broker in
                try await broker.directory.createAgent(
                    site: site, username: username, email: email, password: password, role: role, displayName: name,
                    isBot: bot)
            }
            try FileOutput.json(
                AgentJSON(
                    agent_id: NativeID.format(agent.id), site_id: NativeID.format(agent.siteID), username: agent.username,
                    email: agent.email, name: agent.displayName, role: agent.role.name, bot: agent.isBot,
                    created_at: agent.createdAt.rfc3339))
        }
    }

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill a data directory with demo traffic: a site, visitors, conversations and messages.",
            discussion: "Prints one JSON line per acknowledged message (conversation, seq, message id). Used by the kill -9 durability test and the restart benchmark.")
        @Option(help: "The data directory.") var dataDir: String = "./data"
        @Option(help: "Conversations to open.") var conversations: Int = 10
        @Option(help: "Messages to send in all.") var messages: Int = 1000
        @Option(help: "Concurrent senders.") var concurrency: Int = 16
        @Option(help: "Message size in bytes.") var size: Int = 200
        @Option(help: "always | interval[:ms] | none") var fsync: String = "always"
        @Flag(help: "Print nothing per message.") var quiet = false

        func validate() throws {
            guard conversations > 0, messages >= 0, concurrency > 0, size > 0, size <= 16 * 1024 else {
                throw ValidationError("counts must be positive and --size at most 16384")
            }
            guard FsyncPolicy(parsing: fsync) != nil else { throw ValidationError("bad --fsync") }
        }

        func run() async throws {
            let store = try EventStore.open(
                StorageConfiguration(dataDirectory: dataDir, fsync: FsyncPolicy(parsing: fsync) ?? .always))
            defer { store.close() }
            let broker = Broker(store: store)
            let site = try await broker.directory.createSite(name: "Seed \(Timestamp.now().rfc3339)", domain: "")
            var ids: [ConversationID] = []
            for index in 0..<conversations {
                let (visitor, _) = try await broker.directory.registerVisitor(
                    site: site.id, externalID: "seed-\(site.id.rawValue)-\(index)", name: "Visitor \(index)")
                ids.append(try await broker.openConversation(site: site.id, visitor: visitor.id).id)
            }
            let conversationIDs = ids
            let text = String(repeating: "x", count: size)
            let total = messages
            let quiet = quiet
            let workers = concurrency
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var index = worker
                        while index < total {
                            let conversation = conversationIDs[index % conversationIDs.count]
                            let receipt = try await broker.send(
                                MessageDraft(sender: .system, content: text, clientMessageID: "seed-\(index)"), to: conversation)
                            if !quiet {
                                try FileOutput.jsonLine(
                                    SeedAck(
                                        conversation_id: NativeID.format(conversation), seq: receipt.message.seq,
                                        message_id: NativeID.format(receipt.message.id)))
                            }
                            index += workers
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            FileOutput.standardError("seeded \(total) messages in \(conversations) conversations in \(elapsed)")
        }
    }

    struct SeedAck: Encodable {
        var conversation_id: String
        var seq: UInt64
        var message_id: String
    }

    struct SiteJSON: Encodable {
        var site_id: String
        var name: String
        var domain: String
        var public_key: String
        var secret_key: String
        var created_at: String
    }

    struct AgentJSON: Encodable {
        var agent_id: String
        var site_id: String
        var username: String
        var email: String
        var name: String
        var role: String
        var bot: Bool
        var created_at: String
    }
}
