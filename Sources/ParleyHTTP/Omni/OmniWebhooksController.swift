import Foundation
import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage
import ParleyWebhooks

/// Webhooks (seed 003, issue 13): owners and admins (and the `sk_` key) register where the
/// site's events go, read each webhook's delivery log, redeliver and ping. Ids are omni UUIDs
/// (kind 8); deliveries, which have no kind, are numbered.
struct OmniWebhooksController {
    let broker: Broker
    let registry: WebhookRegistry

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("webhooks", use: list)
        group.post("webhooks", use: create)
        group.get("webhooks/:webhook_id", use: get)
        group.patch("webhooks/:webhook_id", use: update)
        group.delete("webhooks/:webhook_id", use: delete)
        group.get("webhooks/:webhook_id/deliveries", use: deliveries)
        group.post("webhooks/:webhook_id/deliveries/:delivery_id/redeliver", use: redeliver)
        group.post("webhooks/:webhook_id/test", use: test)
    }

    struct WebhookBody: Encodable, Sendable {
        var id: String
        var url: String
        var events: [String]
        var is_active: Bool
        /// Shown once: in the answer that created it (or changed it).
        var secret: String?
        @ExplicitNull var failing_since: String?
        @ExplicitNull var disabled_at: String?
        var created_at: String
        var updated_at: String
    }

    static func body(_ webhook: Webhook, showingSecret: Bool = false) -> WebhookBody {
        WebhookBody(
            id: OmniID.format(webhook.id), url: webhook.url, events: webhook.events.map(\.name), is_active: webhook.isActive,
            secret: showingSecret ? webhook.secret : nil, failing_since: webhook.failingSince?.rfc3339,
            disabled_at: webhook.disabledAt?.rfc3339, created_at: webhook.createdAt.rfc3339, updated_at: webhook.updatedAt.rfc3339)
    }

    struct DeliveryBody: Encodable, Sendable {
        var id: String
        var event_id: String
        var event: String
        var status: String
        var attempts: UInt32
        @ExplicitNull var last_status_code: UInt16?
        @ExplicitNull var last_error: String?
        @ExplicitNull var latency_ms: UInt32?
        @ExplicitNull var last_attempt_at: String?
        @ExplicitNull var next_attempt_at: String?
        var created_at: String
    }

    static func body(_ delivery: WebhookDelivery) -> DeliveryBody {
        DeliveryBody(
            id: String(delivery.id), event_id: WebhookPayload.eventID(delivery.eventID), event: delivery.event.name,
            status: delivery.state.name, attempts: delivery.attempts, last_status_code: delivery.lastStatusCode,
            last_error: delivery.lastError, latency_ms: delivery.lastLatencyMs, last_attempt_at: delivery.lastAttemptAt?.rfc3339,
            next_attempt_at: delivery.nextAttemptAt?.rfc3339, created_at: delivery.occurredAt.rfc3339)
    }

    /// Owners, admins and the secret key; another agent is 403.
    private func site(_ context: ParleyRequestContext) throws -> SiteID {
        try context.requireManager("only owners and admins manage webhooks")
    }

    private func webhook(_ context: ParleyRequestContext, site: SiteID) throws -> Webhook {
        let id: WebhookID = try OmniScope.id(context.parameters.get("webhook_id"), field: "webhook_id")
        guard let webhook = registry.webhook(id, site: site) else { throw APIError.notFound("webhook") }
        return webhook
    }

    static func failure(_ error: WebhookRegistry.Failure) -> APIError {
        switch error.kind {
        case .notFound: return APIError(.notFound, code: "NOT_FOUND", message: error.message)
        case .invalid:
            var failure = APIError.validation(error.message)
            failure.field = error.field
            return failure
        }
    }

    /// Runs a registry command, its failures as API errors.
    private func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as WebhookRegistry.Failure {
            throw Self.failure(error)
        }
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> OmniList<WebhookBody, OmniMeta> {
        let site = try site(context)
        let paging = try OmniScope.Paging(request.uri.queryParameters)
        let webhooks = broker.store.read { state in (state.webhooks.webhooksBySite[site] ?? []).compactMap { state.webhooks.webhooks[$0] } }
        return OmniList(data: paging.slice(webhooks).map { Self.body($0) }, meta: paging.meta(total: webhooks.count))
    }

    struct CreateRequest: Decodable {
        var url: String
        var events: [String]
        var secret: String?
    }

    @Sendable func create(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<WebhookBody>> {
        let site = try site(context)
        let body = try await request.decode(as: CreateRequest.self, context: context)
        let webhook = try await run {
            try await registry.create(site: site, url: body.url, events: try WebhookRegistry.events(body.events), secret: body.secret)
        }
        return EditedResponse(status: .created, response: OmniData(Self.body(webhook, showingSecret: true)))
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<WebhookBody> {
        OmniData(Self.body(try webhook(context, site: try site(context))))
    }

    struct UpdateRequest: Decodable {
        var url: String?
        var events: [String]?
        var secret: String?
        var is_active: Bool?
    }

    @Sendable func update(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<WebhookBody> {
        let site = try site(context)
        let current = try webhook(context, site: site)
        let body = try await request.decode(as: UpdateRequest.self, context: context)
        let webhook = try await run {
            try await registry.update(
                current.id, site: site, url: body.url, events: try body.events.map(WebhookRegistry.events), secret: body.secret,
                isActive: body.is_active)
        }
        return OmniData(Self.body(webhook, showingSecret: body.secret != nil))
    }

    @Sendable func delete(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let site = try site(context)
        let webhook = try webhook(context, site: site)
        try await run { try await registry.delete(webhook.id, site: site) }
        return Response(status: .noContent)
    }

    @Sendable func deliveries(_ request: Request, context: ParleyRequestContext) async throws -> OmniList<DeliveryBody, OmniMeta> {
        let site = try site(context)
        let webhook = try webhook(context, site: site)
        let paging = try OmniScope.Paging(request.uri.queryParameters)
        let all = broker.store.read { $0.webhooks.deliveries(of: webhook.id) }
        return OmniList(data: paging.slice(all).map { Self.body($0) }, meta: paging.meta(total: all.count))
    }

    /// The delivery a request just made: the webhook's newest one of that event (it may have
    /// gone out already).
    private func queued(_ webhook: WebhookID, _ matches: (WebhookDelivery) -> Bool) -> WebhookDelivery? {
        broker.store.read { state in state.webhooks.deliveries(of: webhook).first(where: matches) }
    }

    @Sendable func redeliver(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<DeliveryBody>> {
        let site = try site(context)
        let webhook = try webhook(context, site: site)
        guard let text = context.parameters.get("delivery_id"), let id = UInt64(text), String(id) == text else {
            throw APIError.validation("delivery_id must be a delivery number")
        }
        guard let original = broker.store.read({ $0.webhooks.deliveries[id] }), original.webhookID == webhook.id else {
            throw APIError.notFound("delivery")
        }
        try await run { try await registry.request(webhook.id, site: site, redeliver: id) }
        guard let delivery = queued(webhook.id, { $0.eventID == original.eventID }) else { throw APIError.notFound("delivery") }
        return EditedResponse(status: .accepted, response: OmniData(Self.body(delivery)))
    }

    @Sendable func test(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<DeliveryBody>> {
        let site = try site(context)
        let webhook = try webhook(context, site: site)
        try await run { try await registry.request(webhook.id, site: site, redeliver: nil) }
        guard let delivery = queued(webhook.id, { $0.event == .ping }) else {
            throw APIError.notFound("delivery")
        }
        return EditedResponse(status: .accepted, response: OmniData(Self.body(delivery)))
    }
}
