/// A support agent (a person or a bot) who belongs to one site.
public struct Agent: Hashable, Sendable {
    public var id: AgentID
    public var siteID: SiteID
    public var username: String
    public var email: String
    public var displayName: String
    public var role: AgentRole
    /// A self-describing password hash (see `PasswordHasher` in ParleyEngine); never the password.
    public var passwordHash: String
    public var availability: Availability
    public var isBot: Bool
    public var createdAt: Timestamp
    /// Last seen: set by a status change and by a login or token refresh (derived while
    /// applying `refresh_token_issued`); socket presence adds to it at the REST edge.
    public var lastSeenAt: Timestamp?
    /// The departments the agent works in (omni team invites; codec v7).
    public var departments: [String]
    /// The LSN of the last log record applied to this entity.
    public var lastLSN: UInt64

    public init(
        id: AgentID, siteID: SiteID, username: String, email: String, displayName: String,
        role: AgentRole, passwordHash: String, availability: Availability = .offline, isBot: Bool = false,
        createdAt: Timestamp, lastSeenAt: Timestamp? = nil, departments: [String] = [], lastLSN: UInt64 = 0
    ) {
        self.id = id
        self.siteID = siteID
        self.username = username
        self.email = email
        self.displayName = displayName
        self.role = role
        self.passwordHash = passwordHash
        self.availability = availability
        self.isBot = isBot
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.departments = departments
        self.lastLSN = lastLSN
    }
}

/// What an agent may do on their site (CONTRACT §7: omni `role_id`).
public enum AgentRole: UInt8, Sendable, CaseIterable {
    case owner = 1
    case admin = 2
    case agent = 3

    public var name: String {
        switch self {
        case .owner: "owner"
        case .admin: "admin"
        case .agent: "agent"
        }
    }

    public init?(name: String) {
        guard let role = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = role
    }
}

/// An agent's self-declared availability, separate from socket presence (CONTRACT §7).
public enum Availability: UInt8, Sendable, CaseIterable {
    case online = 1
    case away = 2
    case busy = 3
    case offline = 4

    public var name: String {
        switch self {
        case .online: "online"
        case .away: "away"
        case .busy: "busy"
        case .offline: "offline"
        }
    }

    public init?(name: String) {
        guard let value = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = value
    }
}
