import Foundation
import Hummingbird
import NIOCore
import ParleyEngine
import ParleyModel
import ParleySnapshot
import ParleyStorage
import Synchronization

/// The admin routes (docs/api/admin.md). Each does what the same `parley admin` subcommand does
/// on a stopped data directory, and answers with the same JSON.
struct AdminController {
    let broker: Broker
    let privacy: PrivacyService
    let files: FileLibrary
    let runtime: AdminAPI.Runtime

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("status", use: status)
        group.post("sites", use: createSite)
        group.post("sites/:site_id/agents", use: createAgent)
        group.put("sites/:site_id/retention", use: setRetention)
        group.delete("visitors/:visitor_id", use: eraseVisitor)
        group.post("seed", use: seed)
    }

    static func scope(_ context: ParleyRequestContext) throws -> AdminScope {
        guard let scope = context.adminScope else { throw APIError.unauthorized("missing or invalid authorization") }
        return scope
    }

    /// Routes that make or see more than one site are the operator's.
    static func requireOperator(_ context: ParleyRequestContext, _ what: String) throws {
        guard try scope(context) == .allSites else { throw APIError.forbidden("\(what) needs the admin token, not a site key") }
    }

    static func site(_ context: ParleyRequestContext) throws -> SiteID {
        guard let site = NativeID.parse(context.parameters.get("site_id") ?? "", as: SiteID.self) else {
            throw APIError.invalid("site_id", value: context.parameters.get("site_id"), "must look like site_1")
        }
        try scope(context).require(site)
        return site
    }

    @Sendable func status(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<AdminWire.Status> {
        try Self.requireOperator(context, "the server's status")
        let counts = broker.store.read { state in
            (state.appliedLSN, state.sites.count, state.agents.count, state.visitors.count, state.conversations.count)
        }
        let snapshot = try? broker.store.listSnapshots().first?.lsn
        let now = Timestamp.now()
        return NativeSuccess(
            AdminWire.Status(
                pid: getpid(), started_at: runtime.startedAt.rfc3339,
                uptime_seconds: Int(max(0, now.milliseconds - runtime.startedAt.milliseconds) / 1000), data_dir: runtime.dataDirectory,
                applied_lsn: counts.0, last_snapshot_lsn: snapshot, sites: counts.1, agents: counts.2, visitors: counts.3,
                conversations: counts.4, websocket_sessions: runtime.sessions(), draining: runtime.draining()))
    }

    @Sendable func createSite(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<NativeSuccess<AdminWire.Site>> {
        try Self.requireOperator(context, "making a site")
        let input = try await request.decode(as: AdminWire.CreateSite.self, context: context)
        let site = try await broker.directory.createSite(name: input.name, domain: input.domain ?? "")
        return EditedResponse(status: .created, response: NativeSuccess(AdminWire.Site(site)))
    }

    @Sendable func createAgent(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<NativeSuccess<AdminWire.Agent>> {
        let site = try Self.site(context)
        let input = try await request.decode(as: AdminWire.CreateAgent.self, context: context)
        guard let role = AgentRole(name: input.role ?? "agent") else { throw APIError.invalid("role", value: input.role, "must be owner, admin or agent") }
        let agent = try await broker.directory.createAgent(
            site: site, username: input.username, email: input.email, password: input.password, role: role, displayName: input.name,
            isBot: input.bot ?? false)
        return EditedResponse(status: .created, response: NativeSuccess(AdminWire.Agent(agent)))
    }

    @Sendable func setRetention(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<AdminWire.Retention> {
        let site = try Self.site(context)
        let input = try await request.decode(as: AdminWire.SetRetention.self, context: context)
        guard (0...Int(RetentionPolicy.maximumDays)).contains(input.days) else {
            throw APIError.invalid("days", value: String(input.days), "must be 0 (keep for ever) to \(RetentionPolicy.maximumDays)")
        }
        guard broker.store.read({ $0.sites[site] }) != nil else { throw APIError.notFound("site") }
        return NativeSuccess(AdminWire.Retention(try await privacy.setRetention(site: site, days: UInt32(input.days), by: nil)))
    }

    /// Erases the visitor, then runs maintenance before answering: when the answer comes, no
    /// byte of the visitor is left in the data directory (as the offline command promises).
    @Sendable func eraseVisitor(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<AdminWire.Erasure> {
        let scope = try Self.scope(context)
        let raw = context.parameters.get("visitor_id") ?? ""
        guard let id = NativeID.parse(raw, as: VisitorID.self) else { throw APIError.invalid("visitor_id", value: raw, "must look like visitor_3") }
        guard let visitor = broker.store.read({ $0.visitors[id] }) else { throw APIError.notFound("visitor") }
        try scope.require(visitor.siteID)
        let erasure = try await privacy.erase(id, by: nil, runMaintenance: false)
        let report = try await maintainNow()
        return NativeSuccess(
            AdminWire.Erasure(
                visitor: id, erasedAt: erasure.at, visitors: erasure.visitors, conversations: erasure.conversations,
                messages: erasure.messages, files: erasure.files, historyFilesRewritten: report.replacedFiles.count,
                snapshotLSN: report.scrubSnapshotLSN))
    }

    /// A maintenance run now, waiting (up to a minute) for one already under way to end.
    func maintainNow() async throws -> MaintenanceReport {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            if let report = try await broker.store.maintain(now: .now(), releaseBlob: { [files] in files.release($0) }) { return report }
            guard ContinuousClock.now < deadline else {
                throw APIError(
                    .serviceUnavailable, code: "SERVICE_UNAVAILABLE",
                    message: "the erasure is logged, but a maintenance run still holds the data directory; its bytes go with the next run")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Demo traffic (``DemoSeeder``), streamed as JSON lines: one per acknowledged message, then
    /// a last line with `"done": true` and the site made (or the error that stopped it).
    @Sendable func seed(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try Self.requireOperator(context, "seeding")
        let plan = try await request.decode(as: DemoSeeder.Plan.self, context: context)
        if let problem = plan.problem { throw APIError.validation(problem) }
        let seeder = DemoSeeder(broker: broker)
        let (lines, continuation) = AsyncStream<ByteBuffer>.makeStream()
        // Lines made but not yet written: a client that reads slowly (or not at all) holds the
        // seeding back instead of filling the server's memory.
        let backlog = Backlog()
        let work = Task {
            let done: AdminWire.SeedDone
            do {
                let site = try await seeder.run(plan) { ack in
                    while backlog.lines.load(ordering: .relaxed) >= Backlog.limit { try await Task.sleep(for: .milliseconds(1)) }
                    backlog.lines.add(1, ordering: .relaxed)
                    // Ids are plain ASCII: no escaping to do.
                    continuation.yield(
                        ByteBuffer(
                            string: #"{"conversation_id":"\#(ack.conversation_id)","seq":\#(ack.seq),"message_id":"\#(ack.message_id)"}"#
                                + "\n"))
                }
                done = AdminWire.SeedDone(site: site, messages: plan.messages, error: nil)
            } catch {
                let failure = APIError.from(error, logger: context.logger)
                done = AdminWire.SeedDone(site: nil, messages: nil, error: .init(code: failure.code, message: failure.message))
            }
            var last = ByteBuffer(bytes: (try? JSONEncoder().encode(done)) ?? Data(#"{"done":true}"#.utf8))
            last.writeString("\n")
            backlog.lines.add(1, ordering: .relaxed)
            continuation.yield(last)
            continuation.finish()
        }
        // A client that leaves stops the seeding.
        continuation.onTermination = { _ in work.cancel() }
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"],
            body: ResponseBody { writer in
                for await line in lines {
                    try await writer.write(line)
                    backlog.lines.subtract(1, ordering: .relaxed)
                }
                try await writer.finish(nil)
            })
    }

    /// The seed stream's lines in flight (made, not yet written to the socket).
    final class Backlog: Sendable {
        static let limit = 4096
        let lines = Atomic<Int>(0)
    }
}
