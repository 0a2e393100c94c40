public import ParleyModel

/// The bodies of the admin API (`/admin/v1`, docs/api/admin.md), which `parley admin` prints
/// as they are, whether it worked on a stopped data directory or through a running server.
public enum AdminWire {
    public struct CreateSite: Codable, Sendable {
        public var name: String
        public var domain: String?

        public init(name: String, domain: String?) {
            self.name = name
            self.domain = domain
        }
    }

    public struct Site: Codable, Sendable {
        public var site_id: String
        public var name: String
        public var domain: String
        public var public_key: String
        public var secret_key: String
        public var created_at: String

        public init(_ site: ParleyModel.Site) {
            site_id = NativeID.format(site.id)
            name = site.name
            domain = site.domain
            public_key = site.publicKey
            secret_key = site.secretKey
            created_at = site.createdAt.rfc3339
        }
    }

    public struct CreateAgent: Codable, Sendable {
        public var username: String
        public var email: String
        public var password: String
        /// `owner`, `admin` or `agent` (default).
        public var role: String?
        public var name: String?
        public var bot: Bool?

        public init(username: String, email: String, password: String, role: String?, name: String?, bot: Bool?) {
            self.username = username
            self.email = email
            self.password = password
            self.role = role
            self.name = name
            self.bot = bot
        }
    }

    public struct Agent: Codable, Sendable {
        public var agent_id: String
        public var site_id: String
        public var username: String
        public var email: String
        public var name: String
        public var role: String
        public var bot: Bool
        public var created_at: String

        public init(_ agent: ParleyModel.Agent) {
            agent_id = NativeID.format(agent.id)
            site_id = NativeID.format(agent.siteID)
            username = agent.username
            email = agent.email
            name = agent.displayName
            role = agent.role.name
            bot = agent.isBot
            created_at = agent.createdAt.rfc3339
        }
    }

    public struct SetRetention: Codable, Sendable {
        public var days: Int

        public init(days: Int) { self.days = days }
    }

    public struct Retention: Codable, Sendable {
        public var site_id: String
        public var days: UInt32
        public var updated_at: String

        public init(_ policy: RetentionPolicy) {
            site_id = NativeID.format(policy.siteID)
            days = policy.days
            updated_at = policy.setAt.rfc3339
        }
    }

    /// An erased visitor; when it is returned, no byte of theirs is left in the data directory.
    public struct Erasure: Codable, Sendable {
        public var visitor_id: String
        public var erased_at: String
        public var visitors: Int
        public var conversations: Int
        public var messages: Int
        public var files: Int
        public var history_files_rewritten: Int
        public var snapshot_lsn: UInt64?

        public init(
            visitor: VisitorID, erasedAt: Timestamp, visitors: Int, conversations: Int, messages: Int, files: Int,
            historyFilesRewritten: Int, snapshotLSN: UInt64?
        ) {
            visitor_id = NativeID.format(visitor)
            erased_at = erasedAt.rfc3339
            self.visitors = visitors
            self.conversations = conversations
            self.messages = messages
            self.files = files
            history_files_rewritten = historyFilesRewritten
            snapshot_lsn = snapshotLSN
        }
    }

    /// What a running server is and holds (`GET /admin/v1/status`).
    public struct Status: Codable, Sendable {
        public var pid: Int32
        public var started_at: String
        public var uptime_seconds: Int
        public var data_dir: String
        public var applied_lsn: UInt64
        public var last_snapshot_lsn: UInt64?
        public var sites: Int
        public var agents: Int
        public var visitors: Int
        public var conversations: Int
        public var websocket_sessions: Int
        public var draining: Bool

        public init(
            pid: Int32, started_at: String, uptime_seconds: Int, data_dir: String, applied_lsn: UInt64, last_snapshot_lsn: UInt64?,
            sites: Int, agents: Int, visitors: Int, conversations: Int, websocket_sessions: Int, draining: Bool
        ) {
            self.pid = pid
            self.started_at = started_at
            self.uptime_seconds = uptime_seconds
            self.data_dir = data_dir
            self.applied_lsn = applied_lsn
            self.last_snapshot_lsn = last_snapshot_lsn
            self.sites = sites
            self.agents = agents
            self.visitors = visitors
            self.conversations = conversations
            self.websocket_sessions = websocket_sessions
            self.draining = draining
        }
    }

    /// The last line of `POST /admin/v1/seed`'s stream: the outcome.
    public struct SeedDone: Codable, Sendable {
        public var done: Bool
        public var site_id: String?
        /// Messages acknowledged (all of the plan's) when it succeeded.
        public var messages: Int?
        public var error: ErrorLine?

        public struct ErrorLine: Codable, Sendable {
            public var code: String
            public var message: String
        }

        public init(site: SiteID?, messages: Int?, error: ErrorLine?) {
            done = true
            site_id = site.map { NativeID.format($0) }
            self.messages = messages
            self.error = error
        }
    }
}
