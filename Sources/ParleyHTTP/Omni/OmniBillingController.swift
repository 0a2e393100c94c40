import Foundation
import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/api/v1/billing` (seed 003): plans, not payments. A site is on `free` until its owner
/// changes the plan (logged); usage is counted from the log.
struct OmniBillingController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("billing/subscription", use: subscription)
        group.get("billing/usage", use: usage)
        group.post("billing/subscription/change", use: change)
    }

    struct Limits: Encodable, Sendable {
        @ExplicitNull var requests_per_minute: Int?
        @ExplicitNull var messages_per_month: Int?
        @ExplicitNull var storage_mb: Int?
    }

    struct Subscription: Encodable, Sendable {
        var plan: String
        var status = "active"
        var since: String
        var limits: Limits
    }

    func body(_ plan: SitePlan) -> Subscription {
        Subscription(
            plan: plan.plan.name, since: plan.since.rfc3339,
            limits: Limits(
                requests_per_minute: plan.plan.requestsPerMinute, messages_per_month: plan.plan.monthlyMessages,
                storage_mb: plan.plan.storageMiB))
    }

    func current(_ site: SiteID) -> SitePlan {
        broker.store.read { state in
            state.plans.plans[site] ?? SitePlan(siteID: site, plan: .free, changedBy: nil, since: state.sites[site]?.createdAt ?? .now())
        }
    }

    @Sendable func subscription(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<Subscription> {
        OmniData(body(current(try context.requireStaff())))
    }

    struct Usage: Encodable, Sendable {
        struct Period: Encodable, Sendable {
            var start: String
            var end: String
        }

        struct Quota: Encodable, Sendable {
            var used: Int
            @ExplicitNull var limit: Int?
        }

        struct Storage: Encodable, Sendable {
            var used_mb: Double
            @ExplicitNull var limit_mb: Int?
        }

        var plan: String
        var period: Period
        /// Messages written in the site's conversations this calendar month (UTC).
        var messages: Quota
        var storage: Storage
    }

    /// This calendar month (UTC): messages from the log; storage is the bytes of the site's
    /// stored files (in MiB, two decimals).
    @Sendable func usage(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<Usage> {
        let site = try context.requireStaff()
        let plan = current(site).plan
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let now = Date()
        let start = calendar.date(from: calendar.dateComponents([.year, .month], from: now)) ?? now
        let next = calendar.date(byAdding: .month, value: 1, to: start) ?? now
        let last = calendar.date(byAdding: .day, value: -1, to: next) ?? now
        let from = Timestamp(milliseconds: Int64(start.timeIntervalSince1970 * 1000))
        let until = Timestamp(milliseconds: Int64(next.timeIntervalSince1970 * 1000))
        let (analytics, bytes) = broker.store.read { state in
            (Analytics(state: state, site: site, cold: broker.store.history), state.files.bytesBySite[site] ?? 0)
        }
        // Outside the state's lock: this month's older messages may be in cold history.
        let month = Analytics.Period(start: from, end: until)
        let used = analytics.logs.reduce(0) { total, log in
            total + analytics.messages(of: log, in: month).count { month.contains($0.createdAt) }
        }
        let storedMiB = (Double(bytes) / 1_048_576 * 100).rounded() / 100
        func day(_ date: Date) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
        return OmniData(
            Usage(
                plan: plan.name, period: .init(start: day(start), end: day(last)),
                messages: .init(used: used, limit: plan.monthlyMessages), storage: .init(used_mb: storedMiB, limit_mb: plan.storageMiB)))
    }

    struct ChangeRequest: Decodable {
        var plan: String
    }

    /// Owners only (and the `sk_` key, which has owner rights).
    @Sendable func change(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<Subscription> {
        let site = try context.requireStaff()
        let agent: AgentID?
        switch context.principal {
        case .agent(let id, _, let role, _)?:
            guard role == .owner else { throw APIError.forbidden("only the site's owners change its plan") }
            agent = id
        default:
            agent = nil
        }
        let body = try await request.decode(as: ChangeRequest.self, context: context)
        guard let plan = Plan(name: body.plan) else { throw APIError.validation("plan must be free, pro or enterprise") }
        return OmniData(self.body(try await broker.changePlan(site: site, to: plan, by: agent)))
    }
}
