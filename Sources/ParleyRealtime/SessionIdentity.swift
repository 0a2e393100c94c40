public import ParleyModel

/// Who is behind a WebSocket session.
public enum SessionIdentity: Hashable, Sendable {
    case agent(AgentID, site: SiteID)
    case visitor(VisitorID, site: SiteID)

    public init(_ participant: Participant, site: SiteID) {
        switch participant {
        case .agent(let id): self = .agent(id, site: site)
        case .visitor(let id): self = .visitor(id, site: site)
        }
    }

    public var site: SiteID {
        switch self {
        case .agent(_, let site), .visitor(_, let site): site
        }
    }

    public var participant: Participant {
        switch self {
        case .agent(let id, _): .agent(id)
        case .visitor(let id, _): .visitor(id)
        }
    }

    public var side: ConversationSide { ConversationSide(participant) }

    public var isAgent: Bool { if case .agent = self { true } else { false } }
}

/// The wire protocol a session speaks (CONTRACT §1).
public enum WireDialect: Hashable, Sendable, CaseIterable {
    /// Seed 004 §12: `/ws?site_id=…&role=…&token=…`.
    case native
    /// Seed 003: `/ws` or `/api/v1/ws` with an `auth` frame first.
    case omni
}
