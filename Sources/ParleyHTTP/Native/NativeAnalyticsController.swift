import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/v1/analytics` (seed 004 §11), computed from the history. Times are seconds; a figure
/// without data is `null`, never invented: the averages before any reply or closed
/// conversation, and `customer_satisfaction` (the mean of customers' 1–5 ratings given in the
/// period, through the widget API; CONTRACT §7) before any rating.
struct NativeAnalyticsController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("analytics/dashboard", use: dashboard)
        group.get("analytics/agents/:agent_id", use: agent)
    }

    func period(_ request: Request) throws -> Analytics.Period {
        let name = request.uri.queryParameters["period"].map(String.init) ?? "today"
        guard let period = Analytics.Period(name: name) else { throw APIError.validation("period must be today, week or month") }
        return period
    }

    struct HourCount: Encodable, Sendable {
        var hour: Int
        var count: Int
    }

    struct DashboardBody: Encodable, Sendable {
        var period: String
        var total_conversations: Int
        var active_conversations: Int
        var messages_sent: Int
        @ExplicitNull var average_response_time: Int?
        @ExplicitNull var average_resolution_time: Int?
        @ExplicitNull var customer_satisfaction: Double?
        var conversations_by_hour: [HourCount]
    }

    @Sendable func dashboard(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<DashboardBody> {
        _ = try context.requireStaff()
        let principal = try context.requirePrincipal()
        let site = try NativeScope.site(request.uri.queryParameters["site_id"].map(String.init), principal: principal)
        let period = try period(request)
        // Made under the state's lock, computed outside it (cold history is read from disk).
        let analytics = broker.store.read { Analytics(state: $0, site: site, cold: broker.store.history) }
        let (stats, satisfaction) = (analytics.dashboard(period), analytics.satisfaction(period))
        return NativeSuccess(
            DashboardBody(
                period: request.uri.queryParameters["period"].map(String.init) ?? "today",
                total_conversations: stats.totalConversations, active_conversations: stats.activeConversations,
                messages_sent: stats.messagesSent, average_response_time: stats.averageResponseSeconds,
                average_resolution_time: stats.averageResolutionSeconds, customer_satisfaction: satisfaction.average,
                conversations_by_hour: stats.conversationsByHour.map { HourCount(hour: $0.hour, count: $0.count) }))
    }

    struct AgentBody: Encodable, Sendable {
        var agent_id: String
        var period: String
        var conversations_handled: Int
        var messages_sent: Int
        @ExplicitNull var average_response_time: Int?
        @ExplicitNull var average_resolution_time: Int?
        @ExplicitNull var customer_satisfaction: Double?
    }

    @Sendable func agent(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<AgentBody> {
        let site = try context.requireStaff()
        let agent: AgentID = try NativeScope.id(context.parameters.get("agent_id"), field: "agent_id")
        guard broker.agent(agent)?.siteID == site else { throw APIError.notFound("agent") }
        let period = try period(request)
        let analytics = broker.store.read { Analytics(state: $0, site: site, cold: broker.store.history) }
        let (stats, satisfaction) = (
            analytics.performance(of: agent, period), analytics.satisfaction(period, in: analytics.handled(by: agent, period))
        )
        return NativeSuccess(
            AgentBody(
                agent_id: NativeID.format(agent), period: request.uri.queryParameters["period"].map(String.init) ?? "today",
                conversations_handled: stats.conversationsHandled, messages_sent: stats.messagesSent,
                average_response_time: stats.averageResponseSeconds, average_resolution_time: stats.averageResolutionSeconds,
                customer_satisfaction: satisfaction.average))
    }
}
