import Foundation
import Hummingbird
import ParleyEngine
import ParleyHTTP
import ParleyStorage
import ParleyModel

extension RealtimeGateway {
    struct Refusal: Error {
        var reason: String
    }

    /// `?site_id=…&role=support|visitor&token=…[&visitor_id=…]`: an agent's access token, or a
    /// visitor's session token (whose `visitor_id` must match). A browser's `Origin` must be one
    /// the site's widget channel allows (any while it lists none; CONTRACT §7) or the server
    /// itself (a same-origin page) for visitor sessions.
    func authenticateNative(_ request: UpgradeRequest) async -> Result<SessionIdentity, Refusal> {
        let query = request.uri.queryParameters
        guard let siteText = query["site_id"].map(String.init), let siteID = NativeID.parse(siteText, as: SiteID.self),
            let site = broker.site(siteID)
        else { return .failure(Refusal(reason: "unknown site_id")) }
        guard let token = query["token"].map(String.init), !token.isEmpty else {
            return .failure(Refusal(reason: "token is required"))
        }
        switch query["role"].map(String.init) {
        case "support":
            guard case .agent(let agent, let agentSite, _, _) = await authentication.agent(accessToken: token), agentSite == siteID
            else { return .failure(Refusal(reason: "the access token is not valid for this site")) }
            return .success(.agent(agent, site: siteID))
        case "visitor":
            guard let visitor = broker.accounts.visitor(forSession: token), visitor.siteID == siteID else {
                return .failure(Refusal(reason: "the session token is not valid for this site"))
            }
            if let claimed = query["visitor_id"].map(String.init),
                claimed != visitor.externalID && claimed != NativeID.format(visitor.id)
            {
                return .failure(Refusal(reason: "visitor_id does not match the session token"))
            }
            // Only browsers make cross-site requests, and they send an http(s) origin; other
            // clients (which could send anything) are not checked.
            let channel = broker.store.read { $0.widgetChannel(of: site) }
            if let origin = request.origin, Self.isBrowserOrigin(origin), !channel.allows(origin: origin),
                !Self.origin(origin, isSameAs: request.host)
            {
                return .failure(Refusal(reason: "origin \(origin) is not allowed by the site's widget channel"))
            }
            return .success(.visitor(visitor.id, site: siteID))
        default:
            return .failure(Refusal(reason: "role must be support or visitor"))
        }
    }

    /// The first frame must be `{"type": "auth", "token": "Bearer …"}` (an agent's access
    /// token, or a visitor's session token); nil when it is not (the caller closes with 4001).
    func authenticateOmni(_ text: String) async -> SessionIdentity? {
        guard let frame = ClientFrame.decode(text), frame.type == "auth", let presented = frame.token else { return nil }
        let token = presented.lowercased().hasPrefix("bearer ") ? String(presented.dropFirst(7)) : presented
        if case .agent(let agent, let site, _, _) = await authentication.agent(accessToken: token) {
            return .agent(agent, site: site)
        }
        if let visitor = broker.accounts.visitor(forSession: token) { return .visitor(visitor.id, site: visitor.siteID) }
        return nil
    }
}

extension RealtimeGateway {
    static func isBrowserOrigin(_ origin: String) -> Bool {
        let lowered = origin.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered == "null"
    }

    /// Whether `origin` names this server (`Host`): a same-origin connection, never cross-site.
    static func origin(_ origin: String, isSameAs host: String?) -> Bool {
        guard let host, let range = origin.range(of: "://") else { return false }
        return origin[range.upperBound...].lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "/")) == host.lowercased()
    }
}
