import ParleyEngine
import ParleyKnowledge
import ParleyStorage
public import ParleyModel
import ParleyWeb

/// The demo of `parley serve --demo`: a site with a widget channel, an owner agent whose login is
/// printed (and shown on the demo page) and a small knowledge base, so the AI suggestion has
/// something to find. Made once per data directory, found again by the agent's e-mail after a
/// restart. The password is public: a demo data directory is for trying Parley, not for use.
public struct DemoSite: Sendable {
    public static let username = "demo"
    public static let email = "demo@parley.example"
    public static let password = "parley-demo"

    public let siteID: SiteID
    public let publicKey: String
    /// Whether this start made the site (else it was there already).
    public let created: Bool

    var page: DemoPage { DemoPage(publicKey: publicKey, username: Self.username, password: Self.password) }

    static func prepare(broker: Broker, knowledge: KnowledgeBase) async throws -> DemoSite {
        let existing: (SiteID, String)? = broker.store.read { state in
            for agent in state.agentsByLogin[email] ?? [] {
                if let site = state.agents[agent].flatMap({ state.sites[$0.siteID] }) { return (site.id, site.publicKey) }
            }
            return nil
        }
        if let (site, key) = existing { return DemoSite(siteID: site, publicKey: key, created: false) }
        let widget = WidgetConfig(
            primaryColor: "#15803d", welcomeMessage: "Hi! I'm the Trailhead team. Ask us anything about your order.",
            offlineMessage: "we answer within a day")
        let site = try await broker.directory.createSite(name: "Trailhead Outfitters (demo)", domain: "", widget: widget)
        try await broker.directory.configureWidgetChannel(site: site.id, name: "Trailhead support", widget: widget, allowedOrigins: [])
        let owner = try await broker.directory.createAgent(
            site: site.id, username: username, email: email, password: password, role: .owner, displayName: "Dana (demo agent)")
        for (title, file, text) in Self.articles {
            _ = try await knowledge.add(
                site: site.id, title: title, category: "help", fileName: file, bytes: Array(text.utf8), by: owner.id)
        }
        return DemoSite(siteID: site.id, publicKey: site.publicKey, created: true)
    }

    static let articles: [(String, String, String)] = [
        (
            "Shipping and delivery", "shipping.md",
            """
            # Shipping and delivery

            ## How long does shipping take?
            Orders leave our warehouse within one business day. Standard shipping takes 3 to 5 business days; express shipping takes 1 to 2 business days.

            ## How much does shipping cost?
            Standard shipping is free on orders over 50 euros, otherwise 4.90 euros. Express shipping costs 12 euros.
            """
        ),
        (
            "Returns and refunds", "returns.md",
            """
            # Returns and refunds

            ## How do I return an item?
            You can return any unused item within 30 days. Print the prepaid return label from your order page, pack the item and drop it at any post office.

            ## When do I get my refund?
            Refunds are paid to the original payment method within 5 business days after the return reaches our warehouse.
            """
        ),
        (
            "Your account", "account.md",
            """
            # Your account

            ## How do I reset my password?
            Click "Forgot password" on the sign-in page and enter your e-mail address. The reset link in the e-mail is valid for one hour.
            """
        ),
    ]
}
