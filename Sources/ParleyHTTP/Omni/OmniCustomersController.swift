import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/api/v1/customers` (seed 003): the site's visitors (CONTRACT §1), with their conversation
/// count and live presence.
struct OmniCustomersController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("customers", use: list)
        group.get("customers/:customer_id", use: get)
        group.post("customers/identify", use: identify)
    }

    /// Newest first, paged; `search` matches name, e-mail or the widget's id, case-insensitively.
    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> OmniList<OmniWire.Customer, OmniMeta> {
        let site = try context.requireStaff()
        let query = request.uri.queryParameters
        let paging = try OmniScope.Paging(query)
        let search = query["search"].map { $0.lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        if let search, search.utf8.count > 256 { throw APIError.validation("search is longer than 256 bytes") }
        let (page, total): ([OmniWire.Customer], Int) = broker.store.read { state in
            // The site's visitors only (an index, not a pass over every visitor of the server).
            // A session merged into another customer is that customer: listed once.
            let matching = (state.visitorsBySite[site] ?? StateSet()).compactMap { state.visitors[$0] }.filter { visitor in
                state.identities.mergedInto[visitor.id] == nil
                    && (search.map { term in
                        [visitor.name, visitor.email ?? "", visitor.externalID].contains { $0.lowercased().contains(term) }
                    } ?? true)
            }.sorted { $0.id > $1.id }
            let items = paging.slice(matching).map { visitor in
                OmniWire.customer(
                    visitor, userID: state.identities.userIDs[visitor.id], conversations: state.conversationsByVisitor[visitor.id]?.count ?? 0,
                    presence: broker.presence)
            }
            return (items, matching.count)
        }
        return OmniList(data: page, meta: paging.meta(total: total))
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<OmniWire.Customer> {
        let site = try context.requireStaff()
        let visitor = try OmniScope.customer(context.parameters.get("customer_id"), site: site, broker: broker)
        return OmniData(body(visitor, site: site))
    }

    func body(_ visitor: Visitor, site: SiteID) -> OmniWire.Customer {
        let (conversations, userID) = broker.store.read { state in
            (
                state.conversationsByVisitor[visitor.id]?.count ?? 0,
                state.identities.userIDs[visitor.id]
            )
        }
        return OmniWire.customer(visitor, userID: userID, conversations: conversations, presence: broker.presence)
    }

    struct IdentifyRequest: Decodable {
        var session_id: String
        var user_id: String
        var email: String?
        var name: String?
        var metadata: JSONValue?
    }

    /// Attaches the site's own user to a widget session's customer (from the site's backend,
    /// with an agent token or the `sk_` key). A second browser session identified as the same
    /// user is merged into the first customer, which is answered.
    @Sendable func identify(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<OmniWire.Customer> {
        let site = try context.requireStaff()
        let body = try await request.decode(as: IdentifyRequest.self, context: context)
        guard !body.session_id.isEmpty else { throw APIError.validation("session_id is required") }
        let customer = try await broker.directory.identify(
            site: site, sessionID: body.session_id, userID: body.user_id, name: body.name, email: body.email,
            metadataJSON: try JSONValue.objectText(body.metadata))
        return OmniData(self.body(customer, site: site))
    }
}
