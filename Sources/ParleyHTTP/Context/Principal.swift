public import ParleyModel

/// Who is calling, as established by the authentication middleware.
public enum Principal: Sendable, Hashable {
    /// An agent with a valid access token (`family` is the refresh-token family of its login).
    case agent(AgentID, site: SiteID, role: AgentRole, family: UInt64)
    /// A visitor with a valid session token.
    case visitor(VisitorID, site: SiteID)
    /// A site's secret key `sk_…`: the rights of the site's owner.
    case secretKey(site: SiteID)
    /// A site's public widget key `pk_…`: may only do what an anonymous widget may.
    case publicKey(site: SiteID)

    /// Who is calling, independent of the login session: rate limits and idempotency keys are
    /// per identity, so a fresh login neither resets a budget nor forgets a key.
    public var identity: String {
        switch self {
        case .agent(let id, _, _, _): "agent:\(id.rawValue)"
        case .visitor(let id, _): "visitor:\(id.rawValue)"
        case .secretKey(let site): "sk:\(site.rawValue)"
        case .publicKey(let site): "pk:\(site.rawValue)"
        }
    }

    /// Who a message written by this principal is from: the visitor, the agent (a bot agent's
    /// as a bot), the system for the secret key; `nil` for the widget key, which writes nothing.
    public func sender(isBot: (AgentID) -> Bool) -> Sender? {
        switch self {
        case .visitor(let id, _): .visitor(id)
        case .agent(let id, _, _, _): isBot(id) ? .bot(id) : .agent(id)
        case .secretKey: .system
        case .publicKey: nil
        }
    }

    /// The site the principal belongs to.
    public var site: SiteID {
        switch self {
        case .agent(_, let site, _, _), .visitor(_, let site), .secretKey(let site), .publicKey(let site): site
        }
    }
}
