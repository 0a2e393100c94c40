public import ParleyModel
public import ParleyStorage

/// Sites, agents and visitors: creates them, keeps usernames, e-mails and visitor ids unique
/// per site, and records availability changes.
///
/// Uniqueness is checked against the state *and* against creations still waiting for their
/// fsync (the reservations), so two concurrent sign-ups of one name cannot both succeed.
public actor Directory {
    let store: EventStore
    let ids: IDAllocator
    let limits: EngineLimits
    let passwords: PasswordHasher
    /// Logins (per site; site 0 = every site) being created right now.
    var reservedLogins: Set<SiteScopedKey> = []
    /// Registrations under way (from before their id is allocated until they are durable), and
    /// the callers with the same external id waiting for them.
    private var pendingVisitors: [SiteScopedKey: [CheckedContinuation<Void, Never>]] = [:]

    public init(store: EventStore, ids: IDAllocator, limits: EngineLimits, passwords: PasswordHasher) {
        self.store = store
        self.ids = ids
        self.limits = limits
        self.passwords = passwords
    }

    /// Creates a site with fresh `pk_…`/`sk_…` keys.
    public func createSite(name: String, domain: String, widget: WidgetConfig = WidgetConfig()) async throws -> Site {
        try await createSite(name: name, domain: domain, widget: widget, claiming: [])
    }

    /// `names`: what the site's record claims in a cluster (a sign-up's e-mail).
    private func createSite(name: String, domain: String, widget: WidgetConfig, claiming names: [UniqueName]) async throws -> Site {
        try Validate.text(name, field: "name", max: limits.maxNameBytes)
        try Validate.text(domain, field: "domain", max: 2048, allowEmpty: true)
        let site = Site(
            id: try await ids.nextSite(), name: name, domain: domain, publicKey: SecretGenerator.token(prefix: "pk_"),
            secretKey: SecretGenerator.token(prefix: "sk_"), widget: widget, createdAt: .now())
        try await store.commit(.siteCreated(site), claiming: names)
        return site
    }

    /// Creates an agent of `site`; username and e-mail must be unused on the site.
    public func createAgent(
        site: SiteID, username: String, email: String, password: String, role: AgentRole, displayName: String? = nil,
        isBot: Bool = false
    ) async throws -> Agent {
        try Validate.text(username, field: "username", max: limits.maxNameBytes)
        try Validate.email(email)
        guard password.utf8.count >= 8, password.utf8.count <= 1024 else {
            throw EngineError.validation("password must be 8 to 1024 bytes long")
        }
        guard store.read({ $0.sites[site] != nil }) else { throw EngineError.notFound("site not found") }
        let logins = Set([username.lowercased(), email.lowercased()]).map { SiteScopedKey(site: site, key: $0) }
        let taken = store.read { state in
            logins.contains { login in
                (state.agentsByLogin[login.key] ?? []).contains { state.agents[$0]?.siteID == site }
            }
        }
        guard !taken, reservedLogins.isDisjoint(with: logins) else {
            throw EngineError.conflict("an agent with this username or email already exists on the site")
        }
        reservedLogins.formUnion(logins)
        defer { reservedLogins.subtract(logins) }
        let hash = try passwords.hash(password)
        let agent = Agent(
            id: try await ids.nextAgent(), siteID: site, username: username, email: email,
            displayName: displayName ?? username, role: role, passwordHash: hash, isBot: isBot, createdAt: .now())
        try await store.commit(.agentCreated(agent))
        return agent
    }

    /// Public sign-up (omni `POST /api/v1/auth/register`): a new site named after the company
    /// and its owner, whose username is the e-mail. The e-mail must be unused on every site.
    public func registerAccount(
        companyName: String, email: String, password: String, displayName: String
    ) async throws -> (site: Site, owner: Agent) {
        try Validate.text(companyName, field: "company_name", max: limits.maxNameBytes)
        try Validate.email(email)
        let login = email.lowercased()
        let global = SiteScopedKey(site: SiteID(0), key: login)
        guard store.read({ $0.agentsByLogin[login]?.isEmpty ?? true }), !reservedLogins.contains(global) else {
            throw EngineError.conflict("an account with this email already exists")
        }
        reservedLogins.insert(global)
        defer { reservedLogins.remove(global) }
        // On a cluster node the site's record claims the e-mail: of two sign-ups through two
        // nodes at once, one makes a site and the other nothing.
        let site: Site
        do {
            site = try await createSite(name: companyName, domain: "", widget: WidgetConfig(), claiming: [.account(email: login)])
        } catch ClusterWriteError.claimTaken {
            throw EngineError.conflict("an account with this email already exists")
        }
        let owner = try await createAgent(
            site: site.id, username: email, email: email, password: password, role: .owner,
            displayName: displayName.isEmpty ? email : displayName)
        return (site, owner)
    }

    /// Registers a visitor by their client-side id; a known one is updated and returned with
    /// `created == false`.
    public func registerVisitor(
        site: SiteID, externalID: String, name: String, email: String? = nil, metadataJSON: String? = nil
    ) async throws -> (visitor: Visitor, created: Bool) {
        try Validate.text(externalID, field: "visitor_id", max: limits.maxNameBytes)
        try Validate.text(name, field: "name", max: limits.maxNameBytes, allowEmpty: true)
        if let email { try Validate.email(email) }
        try Validate.metadata(metadataJSON, max: limits.maxMetadataBytes)
        let key = SiteScopedKey(site: site, key: externalID)
        guard store.read({ $0.sites[site] != nil }) else { throw EngineError.notFound("site not found") }
        while pendingVisitors[key] != nil {
            await withCheckedContinuation { pendingVisitors[key, default: []].append($0) }
        }
        if let existing = store.read({ state in state.visitorsByExternalID[key] }) {
            try await store.commit(.visitorSeen(existing, name: name, email: email, metadataJSON: metadataJSON, at: .now()))
            guard let visitor = store.read({ $0.visitors[existing] }) else { throw EngineError.notFound("visitor not found") }
            return (visitor, false)
        }
        // Marked before the first suspension (the id), so a second call with the same external
        // id waits for this one instead of registering a second visitor.
        pendingVisitors[key] = []
        defer { for waiter in pendingVisitors.removeValue(forKey: key) ?? [] { waiter.resume() } }
        let now = Timestamp.now()
        let visitor = Visitor(
            id: try await ids.nextVisitor(), siteID: site, externalID: externalID, name: name, email: email,
            metadataJSON: metadataJSON, firstSeenAt: now, lastSeenAt: now)
        let position = try await store.waitUntilCommitted(try store.append(.visitorRegistered(visitor)))
        if position.takenClaim != nil {
            // A cluster node registered the same visitor at the same moment: theirs stands.
            guard let existing = store.read({ state in state.visitorsByExternalID[key].flatMap { state.visitors[$0] } }) else {
                throw EngineError.conflict("the visitor is being registered through another node; retry")
            }
            return (existing, false)
        }
        return (visitor, true)
    }

    /// Gives a visitor a new name (the widget's `init`); nothing is logged when it is unchanged.
    @discardableResult
    public func renameVisitor(_ id: VisitorID, to name: String) async throws -> Visitor {
        try Validate.text(name, field: "name", max: limits.maxNameBytes, allowEmpty: true)
        guard let visitor = store.read({ $0.visitors[id] }) else { throw EngineError.notFound("visitor not found") }
        guard visitor.name != name else { return visitor }
        try await store.commit(.visitorSeen(id, name: name, email: nil, metadataJSON: nil, at: .now()))
        guard let renamed = store.read({ $0.visitors[id] }) else { throw EngineError.notFound("visitor not found") }
        return renamed
    }

    /// Configures a site's widget channel: its name, the widget's colour and texts, and the
    /// browser origins that may embed it (canonical `scheme://host[:port]`, at most 20; none =
    /// any origin). Returns the channel as configured.
    @discardableResult
    public func configureWidgetChannel(
        site: SiteID, name: String, widget: WidgetConfig, allowedOrigins: [String]
    ) async throws -> WidgetChannel {
        try Validate.text(name, field: "name", max: limits.maxNameBytes)
        try Validate.text(widget.welcomeMessage, field: "greeting", max: 1024, allowEmpty: true)
        try Validate.text(widget.offlineMessage, field: "offline_message", max: 1024, allowEmpty: true)
        guard widget.primaryColor.count == 7, widget.primaryColor.first == "#",
            widget.primaryColor.dropFirst().allSatisfy(\.isHexDigit)
        else { throw EngineError.validation("primary_color must look like #2563eb") }
        guard allowedOrigins.count <= 20 else { throw EngineError.validation("at most 20 allowed_origins") }
        var origins: [String] = []
        for text in allowedOrigins {
            guard let origin = BrowserOrigin.canonical(text) else {
                throw EngineError.validation("allowed_origins: \(text.prefix(100)) is not an origin like https://shop.example")
            }
            if !origins.contains(origin) { origins.append(origin) }
        }
        guard store.read({ $0.sites[site] != nil }) else { throw EngineError.notFound("site not found") }
        try await store.commit(
            .widgetChannelConfigured(site, name: name, widget: widget, allowedOrigins: origins, at: .now()))
        guard let channel = store.read({ state in state.sites[site].map { state.widgetChannel(of: $0) } }) else {
            throw EngineError.notFound("site not found")
        }
        return channel
    }

    /// Identifies the customer of a widget session as the site's `userID` (omni
    /// `customers/identify`); a session identified with a user id another customer already has
    /// is merged into that customer. Returns the customer.
    public func identify(
        site: SiteID, sessionID: String, userID: String, name: String?, email: String?, metadataJSON: String?
    ) async throws -> Visitor {
        try Validate.text(userID, field: "user_id", max: limits.maxNameBytes)
        if let name { try Validate.text(name, field: "name", max: limits.maxNameBytes, allowEmpty: true) }
        if let email { try Validate.email(email) }
        try Validate.metadata(metadataJSON, max: limits.maxMetadataBytes)
        let key = SiteScopedKey(site: site, key: sessionID)
        guard let visitor = store.read({ $0.visitorsByExternalID[key] }) else { throw EngineError.notFound("session not found") }
        try await store.commit(
            .customerIdentified(visitor, userID: userID, name: name, email: email, metadataJSON: metadataJSON, at: .now()))
        guard let customer = store.read({ state in state.visitors[state.identities.customer(of: visitor)] }) else {
            throw EngineError.notFound("customer not found")
        }
        return customer
    }

    /// Sets an agent's availability (separate from socket presence).
    public func setAvailability(_ agent: AgentID, _ availability: Availability) async throws -> Agent {
        guard store.read({ $0.agents[agent] != nil }) else { throw EngineError.notFound("agent not found") }
        try await store.commit(.agentAvailabilityChanged(agent, availability, at: .now()))
        guard let updated = store.read({ $0.agents[agent] }) else { throw EngineError.notFound("agent not found") }
        return updated
    }
}

/// Input checks shared by the engine's commands.
enum Validate {
    static func text(_ value: String, field: String, max: Int, allowEmpty: Bool = false) throws {
        if !allowEmpty && value.allSatisfy(\.isWhitespace) { throw EngineError.validation("\(field) is required") }
        if value.utf8.count > max { throw EngineError.validation("\(field) is longer than \(max) bytes") }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" }) {
            throw EngineError.validation("\(field) contains control characters")
        }
    }

    static func metadata(_ json: String?, max: Int) throws {
        if let json, json.utf8.count > max { throw EngineError(.payloadTooLarge, "metadata is larger than \(max) bytes") }
    }

    static func email(_ value: String) throws {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard value.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !value.contains(where: \.isWhitespace)
        else { throw EngineError.validation("email is not a valid address") }
    }
}
