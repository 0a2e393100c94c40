/// Customers identified by the site's own user id (omni `POST /api/v1/customers/identify`): a
/// widget session's visitor gets the `user_id`; a later session identified with the same
/// `user_id` is merged into that first customer (its session id then names the first
/// customer). The state machine of records 27, composed by ``ParleyState``. Codec v10.
public struct CustomerIdentities: Sendable {
    /// The site's user id of each identified visitor.
    public private(set) var userIDs: StateMap<VisitorID, String> = [:]
    /// Per site and user id, the customer it names.
    public private(set) var customers: StateMap<SiteScopedKey, VisitorID> = [:]
    /// A merged visitor → the customer it was merged into.
    public private(set) var mergedInto: StateMap<VisitorID, VisitorID> = [:]

    public init(identities: [(visitor: VisitorID, site: SiteID, userID: String)] = [], merges: [(VisitorID, VisitorID)] = []) {
        for (visitor, site, userID) in identities {
            userIDs[visitor] = userID
            customers[SiteScopedKey(site: site, key: userID)] = visitor
        }
        for (visitor, into) in merges { mergedInto[visitor] = into }
    }

    /// The customer `visitor` is (itself, unless merged).
    public func customer(of visitor: VisitorID) -> VisitorID { mergedInto[visitor] ?? visitor }

    /// Forgets a visitor's user id and merge (erasure).
    mutating func forget(_ visitor: VisitorID, site: SiteID) {
        if let userID = userIDs.removeValue(forKey: visitor), customers[SiteScopedKey(site: site, key: userID)] == visitor {
            customers[SiteScopedKey(site: site, key: userID)] = nil
        }
        mergedInto[visitor] = nil
    }

    /// Identifies `visitor` of `site` as `userID`; returns the customer it now is.
    mutating func identify(_ visitor: VisitorID, site: SiteID, userID: String) -> VisitorID {
        let key = SiteScopedKey(site: site, key: userID)
        if let existing = customers[key], existing != visitor {
            mergedInto[visitor] = existing
            return existing
        }
        if let previous = userIDs[visitor], previous != userID { customers[SiteScopedKey(site: site, key: previous)] = nil }
        userIDs[visitor] = userID
        customers[key] = visitor
        return visitor
    }
}
