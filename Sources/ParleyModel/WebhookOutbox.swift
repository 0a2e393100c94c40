/// The webhooks of every site and their outbox: the state machine of records 30–33, composed
/// by ``ParleyState``, which also calls ``record(_:subject:site:at:lsn:)`` while it applies the
/// changes webhooks are told of. No I/O: the dispatcher reads ``due(now:inFlight:perWebhook:)``
/// and logs each attempt. Codec v12.
///
/// A delivery is `pending` until an attempt delivers it (2xx) or the dispatcher gives up
/// (`failed`, after 24 h of retries). Finished deliveries are kept for the delivery log, the
/// newest ``finishedKept`` per webhook.
public struct WebhookOutbox: Sendable {
    public private(set) var webhooks: [WebhookID: Webhook] = [:]
    public private(set) var webhooksBySite: [SiteID: [WebhookID]] = [:]
    public private(set) var deliveries: [UInt64: WebhookDelivery] = [:]
    /// Pending deliveries per webhook, in event order.
    public private(set) var pending: [WebhookID: [UInt64]] = [:]
    /// Finished deliveries per webhook, oldest first.
    public private(set) var finished: [WebhookID: [UInt64]] = [:]
    /// The highest delivery id and event id handed out (ids continue above them).
    public private(set) var deliveryWatermark: UInt64 = 0
    public private(set) var eventWatermark: UInt64 = 0
    /// The highest webhook id ever saved (a deleted webhook's id is not handed out again).
    public private(set) var webhookWatermark: UInt64 = 0

    public static let finishedKept = 1000
    /// How long a webhook may fail without a success before it is disabled.
    public static let disableAfterMilliseconds: Int64 = 24 * 3600 * 1000

    public init() {}

    /// Rebuilds the outbox from snapshot contents.
    public init(
        webhooks: [Webhook], deliveries: [WebhookDelivery], deliveryWatermark: UInt64, eventWatermark: UInt64, webhookWatermark: UInt64
    ) {
        self.webhookWatermark = max(webhookWatermark, webhooks.map(\.id.rawValue).max() ?? 0)
        for webhook in webhooks.sorted(by: { $0.id < $1.id }) { insert(webhook) }
        for delivery in deliveries.sorted(by: { $0.id < $1.id }) where self.webhooks[delivery.webhookID] != nil {
            self.deliveries[delivery.id] = delivery
            if delivery.state == .pending {
                pending[delivery.webhookID, default: []].append(delivery.id)
            } else {
                finished[delivery.webhookID, default: []].append(delivery.id)
            }
        }
        self.deliveryWatermark = max(deliveryWatermark, deliveries.map(\.id).max() ?? 0)
        self.eventWatermark = max(eventWatermark, deliveries.map(\.eventID).max() ?? 0)
    }

    private mutating func insert(_ webhook: Webhook) {
        if webhooks[webhook.id] == nil { webhooksBySite[webhook.siteID, default: []].append(webhook.id) }
        webhooks[webhook.id] = webhook
    }

    /// Creates or replaces a webhook (record 30).
    mutating func save(_ webhook: Webhook, lsn: UInt64) -> Bool {
        if let existing = webhooks[webhook.id], existing.lastLSN >= lsn { return false }
        var webhook = webhook
        webhook.lastLSN = lsn
        insert(webhook)
        webhookWatermark = max(webhookWatermark, webhook.id.rawValue)
        return true
    }

    /// Deletes a webhook with its deliveries (record 31).
    mutating func delete(_ id: WebhookID) -> Bool {
        guard let webhook = webhooks.removeValue(forKey: id) else { return false }
        webhooksBySite[webhook.siteID]?.removeAll { $0 == id }
        for delivery in (pending.removeValue(forKey: id) ?? []) + (finished.removeValue(forKey: id) ?? []) {
            deliveries[delivery] = nil
        }
        return true
    }

    /// Puts `event` in the outbox of every active webhook of `site` that subscribes to it, under
    /// one new event id. Returns how many deliveries it made.
    @discardableResult
    mutating func record(_ event: WebhookEvent, subject: WebhookDelivery.Subject, site: SiteID, at: Timestamp, lsn: UInt64) -> Int {
        let targets = (webhooksBySite[site] ?? []).compactMap { webhooks[$0] }.filter { $0.isActive && $0.events.contains(event) }
        guard !targets.isEmpty else { return 0 }
        eventWatermark += 1
        for webhook in targets {
            enqueue(webhook.id, eventID: eventWatermark, event: event, subject: subject, occurredAt: at, lsn: lsn)
        }
        return targets.count
    }

    private mutating func enqueue(
        _ webhook: WebhookID, eventID: UInt64, event: WebhookEvent, subject: WebhookDelivery.Subject, occurredAt: Timestamp,
        lsn: UInt64, dueAt: Timestamp? = nil
    ) {
        deliveryWatermark += 1
        deliveries[deliveryWatermark] = WebhookDelivery(
            id: deliveryWatermark, webhookID: webhook, eventID: eventID, event: event, subject: subject, occurredAt: occurredAt,
            nextAttemptAt: dueAt, lastLSN: lsn)
        pending[webhook, default: []].append(deliveryWatermark)
    }

    /// A `ping` (`redeliver` nil) or a new delivery of an earlier one's event, with the same
    /// event id (record 33).
    mutating func request(_ webhook: WebhookID, redeliver: UInt64?, at: Timestamp, lsn: UInt64) -> Bool {
        guard var hook = webhooks[webhook], hook.lastLSN < lsn else { return false }
        hook.lastLSN = lsn
        webhooks[webhook] = hook
        if let redeliver {
            guard let original = deliveries[redeliver], original.webhookID == webhook else { return false }
            enqueue(webhook, eventID: original.eventID, event: original.event, subject: original.subject, occurredAt: original.occurredAt,
                lsn: lsn, dueAt: at)
        } else {
            eventWatermark += 1
            enqueue(webhook, eventID: eventWatermark, event: .ping, subject: .ping, occurredAt: at, lsn: lsn)
        }
        return true
    }

    /// Folds in an attempt (record 32). Returns the webhook when this attempt disabled it
    /// (failing for ``disableAfterMilliseconds`` without a success).
    mutating func attempted(_ attempt: WebhookAttempt, lsn: UInt64) -> (applied: Bool, disabled: Webhook?) {
        guard var delivery = deliveries[attempt.deliveryID], delivery.state == .pending, delivery.lastLSN < lsn else {
            return (false, nil)
        }
        delivery.attempts += 1
        delivery.lastStatusCode = attempt.statusCode
        delivery.lastError = attempt.error
        delivery.lastLatencyMs = attempt.latencyMs
        delivery.lastAttemptAt = attempt.at
        delivery.lastLSN = lsn
        switch attempt.outcome {
        case .delivered:
            delivery.state = .delivered
            delivery.nextAttemptAt = nil
        case .retry(let time):
            delivery.nextAttemptAt = time
        case .failed:
            delivery.state = .failed
            delivery.nextAttemptAt = nil
        }
        deliveries[delivery.id] = delivery
        if delivery.state != .pending { finish(delivery) }
        guard var webhook = webhooks[delivery.webhookID] else { return (true, nil) }
        var disabled: Webhook?
        if attempt.outcome == .delivered {
            webhook.failingSince = nil
        } else {
            let since = webhook.failingSince ?? attempt.at
            webhook.failingSince = since
            if webhook.isActive, attempt.at.milliseconds - since.milliseconds >= Self.disableAfterMilliseconds {
                webhook.isActive = false
                webhook.disabledAt = attempt.at
                disabled = webhook
            }
        }
        webhooks[webhook.id] = webhook
        return (true, disabled)
    }

    /// Drops every delivery, pending or finished, whose subject `matches` (retention and
    /// erasure: a delivery holds a copy of what it is about); returns how many.
    @discardableResult
    mutating func forget(where matches: (WebhookDelivery.Subject) -> Bool) -> Int {
        let doomed = Set(deliveries.values.filter { matches($0.subject) }.map(\.id))
        guard !doomed.isEmpty else { return 0 }
        for id in doomed { deliveries[id] = nil }
        for key in Array(pending.keys) { pending[key]?.removeAll { doomed.contains($0) } }
        for key in Array(finished.keys) { finished[key]?.removeAll { doomed.contains($0) } }
        return doomed.count
    }

    private mutating func finish(_ delivery: WebhookDelivery) {
        pending[delivery.webhookID]?.removeAll { $0 == delivery.id }
        var list = finished[delivery.webhookID] ?? []
        list.append(delivery.id)
        if list.count > Self.finishedKept {
            for old in list.prefix(list.count - Self.finishedKept) { deliveries[old] = nil }
            list.removeFirst(list.count - Self.finishedKept)
        }
        finished[delivery.webhookID] = list
    }

    /// The deliveries to attempt now: of each active webhook, at most `perWebhook` at once
    /// (counting those in flight), each the oldest pending of its lane (a conversation's events
    /// go out in order), and due. Only the oldest `scanLimit` pending deliveries of a webhook
    /// are looked at, so a dead receiver's backlog costs the same on every call.
    public func due(now: Timestamp, inFlight: Set<UInt64>, perWebhook: Int, scanLimit: Int = 1000) -> [WebhookDelivery] {
        var result: [WebhookDelivery] = []
        for (webhookID, all) in pending.sorted(by: { $0.key < $1.key }) where webhooks[webhookID]?.isActive == true {
            let ids = all.prefix(scanLimit)
            var budget = perWebhook - ids.count(where: { inFlight.contains($0) })
            var lanesSeen: Set<UInt64> = []
            for id in ids where budget > 0 {
                guard let delivery = deliveries[id] else { continue }
                guard lanesSeen.insert(delivery.lane).inserted else { continue }  // an older one of its lane is ahead
                guard !inFlight.contains(id), (delivery.nextAttemptAt ?? now) <= now else { continue }
                result.append(delivery)
                budget -= 1
            }
        }
        return result
    }

    /// A webhook's deliveries, newest first (pending and the finished ones kept).
    public func deliveries(of webhook: WebhookID) -> [WebhookDelivery] {
        ((pending[webhook] ?? []) + (finished[webhook] ?? [])).sorted(by: >).compactMap { deliveries[$0] }
    }

    /// How many deliveries wait.
    public var queueDepth: Int { pending.values.reduce(0) { $0 + $1.count } }
}
