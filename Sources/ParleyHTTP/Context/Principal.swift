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

    /// The site the principal belongs to.
    public var site: SiteID {
        switch self {
        case .agent(_, let site, _, _), .visitor(_, let site), .secretKey(let site), .publicKey(let site): site
        }
    }
}
