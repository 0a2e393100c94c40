import ArgumentParser
import Foundation
import ParleyEngine
import NIOHTTP1
import ParleyHTTP
import ParleyLog
import ParleyModel
import ParleyStorage

/// `parley admin …`: sites, agents, erasure, retention and demo traffic, on a running server
/// (through its admin API) or on a data directory no server holds ([`AdminTarget`]).
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Create sites and agents, erase visitors, set retention, seed demo traffic; on a running server or a stopped data directory.",
        discussion: """
            With a server holding --data-dir, the command goes through its admin API (/admin/v1), authenticated by \
            <data dir>/admin-token (mode 0600, made by the server); --server and --token (the admin token or a site's \
            sk_ key) name another one. Without a server, the command opens the data directory itself.
            """,
        subcommands: [Status.self, CreateSite.self, CreateAgent.self, Seed.self, EraseVisitor.self, SetRetention.self])

    static func withBroker<T>(_ dataDir: String, fsync: FsyncPolicy = .always, _ body: (Broker) async throws -> T) async throws -> T {
        let store: EventStore
        do {
            store = try EventStore.open(StorageConfiguration(dataDirectory: dataDir, fsync: fsync))
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

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a running server's status as JSON (needs the admin token).")
        @OptionGroup var target: AdminTarget

        func run() async throws {
            guard case .online(let client) = try target.resolve() else {
                throw CLIFailure(message: "no server holds \(target.dataDir); give --server to ask one elsewhere")
            }
            let status: AdminWire.Status = try await client.call(.GET, "/status")
            try FileOutput.json(status)
        }
    }

    struct CreateSite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a site; prints its id and keys as JSON.")
        @OptionGroup var target: AdminTarget
        @Option(help: "The site's name.") var name: String
        @Option(help: "The website origin, e.g. https://shop.example.") var domain: String = ""

        func run() async throws {
            let site: AdminWire.Site
            switch try target.resolve() {
            case .offline(let dataDir):
                site = AdminWire.Site(try await AdminCommand.withBroker(dataDir) { try await $0.directory.createSite(name: name, domain: domain) })
            case .online(let client):
                site = try await client.call(.POST, "/sites", body: AdminWire.CreateSite(name: name, domain: domain))
            }
            try FileOutput.json(site)
        }
    }

    struct CreateAgent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an agent of a site; prints its id as JSON.")
        @OptionGroup var target: AdminTarget
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
            let agent: AdminWire.Agent
            switch try target.resolve() {
            case .offline(let dataDir):
                agent = AdminWire.Agent(
                    try await AdminCommand.withBroker(dataDir) { broker in
                        try await broker.directory.createAgent(
                            site: site, username: username, email: email, password: password, role: role, displayName: name, isBot: bot)
                    })
            case .online(let client):
                agent = try await client.call(
                    .POST, "/sites/\(siteId)/agents",
                    body: AdminWire.CreateAgent(username: username, email: email, password: password, role: role.name, name: name, bot: bot))
            }
            try FileOutput.json(agent)
        }
    }

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill a data directory or a running server with demo traffic: a site, visitors, conversations and messages.",
            discussion: "Prints one JSON line per acknowledged message (conversation, seq, message id), and progress on a terminal. Used by the kill -9 durability test and the restart benchmark.")
        @OptionGroup var target: AdminTarget
        @Option(help: "Conversations to open.") var conversations: Int = 10
        @Option(help: "Messages to send in all.") var messages: Int = 1000
        @Option(help: "Concurrent senders.") var concurrency: Int = 16
        @Option(help: "Message size in bytes.") var size: Int = 200
        @Option(help: "always | interval[:ms] | none (a stopped data directory only; a running server keeps its own).") var fsync: String?
        @Flag(help: "Print nothing per message.") var quiet = false

        var plan: DemoSeeder.Plan { DemoSeeder.Plan(conversations: conversations, messages: messages, concurrency: concurrency, size: size) }

        func validate() throws {
            if let problem = plan.problem { throw ValidationError(problem) }
            if let fsync, FsyncPolicy(parsing: fsync) == nil { throw ValidationError("bad --fsync") }
        }

        func run() async throws {
            let quiet = quiet
            let progress = TerminalProgress("seed", unit: "messages", totalRecords: messages)
            let started = ContinuousClock.now
            let site: String
            switch try target.resolve() {
            case .offline(let dataDir):
                let made = try await AdminCommand.withBroker(dataDir, fsync: fsync.flatMap(FsyncPolicy.init(parsing:)) ?? .always) { broker in
                    try await DemoSeeder(broker: broker).run(plan) { ack in
                        if !quiet { try FileOutput.jsonLine(ack) }
                        progress.advance()
                    }
                }
                site = NativeID.format(made)
            case .online(let client):
                if fsync != nil { FileOutput.standardError("parley: --fsync is ignored: the running server keeps its own policy") }
                var outcome: AdminWire.SeedDone?
                try await client.stream("/seed", body: plan) { line in
                    if line.contains(#""done":true"#) {
                        outcome = try JSONDecoder().decode(AdminWire.SeedDone.self, from: Data(line.utf8))
                        return
                    }
                    if !quiet { FileOutput.line(line) }
                    progress.advance()
                }
                guard let outcome else { throw CLIFailure(message: "the server stopped answering before the seeding ended") }
                if let error = outcome.error { throw CLIFailure(message: "\(error.code): \(error.message)") }
                site = outcome.site_id ?? "?"
            }
            progress.finish()
            FileOutput.standardError("seeded \(messages) messages in \(conversations) conversations of \(site) in \(ContinuousClock.now - started)")
        }
    }
}
