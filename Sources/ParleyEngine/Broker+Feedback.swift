public import ParleyModel
import ParleyStorage

extension Broker {
    /// A customer rates its closed conversation 1–5 with an optional comment (CONTRACT §7);
    /// rating again replaces the earlier rating.
    @discardableResult
    public func rate(
        _ conversation: ConversationID, by visitor: VisitorID, score: Int, comment: String?
    ) async throws -> ConversationRating {
        guard (1...5).contains(score) else { throw EngineError.validation("score must be 1 to 5") }
        if let comment { try Validate.text(comment, field: "comment", max: 2048, allowEmpty: true) }
        guard let header = self.conversation(conversation), header.visitorID == visitor else {
            throw EngineError.notFound("conversation not found")
        }
        guard header.closedAt != nil else { throw EngineError.conflict("only a closed conversation can be rated") }
        try await store.commit(.conversationRated(conversation, score: UInt8(score), comment: comment, at: .now()))
        guard let rating = store.read({ $0.plans.ratings[conversation] }) else { throw EngineError.notFound("conversation not found") }
        return rating
    }

    /// Changes a site's plan (the caller checks that an owner asks).
    public func changePlan(site: SiteID, to plan: Plan, by agent: AgentID?) async throws -> SitePlan {
        guard store.read({ $0.sites[site] != nil }) else { throw EngineError.notFound("site not found") }
        if store.read({ $0.plans.plan(of: site) }) != plan {
            try await store.commit(.sitePlanChanged(site, plan, by: agent, at: .now()))
        }
        return store.read { state in
            state.plans.plans[site] ?? SitePlan(siteID: site, plan: .free, changedBy: nil, since: state.sites[site]?.createdAt ?? .now())
        }
    }
}
