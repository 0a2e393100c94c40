/// A name only one record in a cluster may claim (docs/SCALING.md, "What works across nodes today"), beyond the
/// ones an event claims by itself (a visitor's external id, an agent's logins). A cluster node's
/// `append` script refuses a record whose name another record holds
/// (``ClusterWriteError/claimTaken(_:)``); on one node the engine's own check and reservation
/// decide, and the name is not logged.
public enum UniqueName: Sendable, Hashable {
    /// The e-mail of an account made by public sign-up: unused on every site.
    case account(email: String)

    var claim: String {
        switch self {
        case .account(let email): "account:\(email.lowercased())"
        }
    }
}
