import Foundation
public import ParleyModel
public import ParleyStorage
import Synchronization

/// The commands on webhooks (create, change, delete, ping, redeliver), each one log record.
/// URLs are checked against the ``AddressPolicy`` when they are registered (and again by the
/// dispatcher for every attempt).
public final class WebhookRegistry: Sendable {
    public struct Failure: Error, Sendable, Hashable {
        public enum Kind: Sendable, Hashable { case invalid, notFound }
        public var kind: Kind
        public var field: String?
        public var message: String
    }

    /// The most webhooks a site may have.
    public static let maxPerSite = 20

    private let store: EventStore
    private let policy: AddressPolicy
    private let ids: IDCounter

    public init(store: EventStore, policy: AddressPolicy) {
        self.store = store
        self.policy = policy
        ids = IDCounter("webhook", after: store.read { $0.webhooks.webhookWatermark }, cluster: store.cluster)
    }

    /// Checks a URL as registration does: scheme, host, and every address it resolves to.
    public func check(url: String) async throws(Failure) {
        do {
            _ = try await WebhookTarget.resolve(url, policy: policy)
        } catch {
            throw Failure(kind: .invalid, field: "url", message: "url is refused: \(error)")
        }
    }

    public static func events(_ names: [String]) throws(Failure) -> [WebhookEvent] {
        guard !names.isEmpty else { throw Failure(kind: .invalid, field: "events", message: "events must name at least one event") }
        var events: [WebhookEvent] = []
        for name in names {
            guard let event = WebhookEvent(name: name), event != .ping else {
                throw Failure(
                    kind: .invalid, field: "events",
                    message: "unknown event \(name); one of \(WebhookEvent.subscribable.map(\.name).joined(separator: ", "))")
            }
            events.append(event)
        }
        return events
    }

    /// A new webhook; a secret is generated (`whsec_…`) when none is given.
    public func create(site: SiteID, url: String, events: [WebhookEvent], secret: String?) async throws -> Webhook {
        if let secret { try Self.checkSecret(secret) }
        try await check(url: url)
        guard store.read({ ($0.webhooks.webhooksBySite[site] ?? []).count }) < Self.maxPerSite else {
            throw Failure(kind: .invalid, field: nil, message: "a site has at most \(Self.maxPerSite) webhooks")
        }
        let id = WebhookID(try await ids.next())
        let webhook = Webhook(
            id: id, siteID: site, url: url, events: events, secret: secret ?? Self.generateSecret(), createdAt: .now())
        _ = try await store.commit(.webhookSaved(webhook))
        return webhook
    }

    /// Changes the URL, the events, the secret or whether it is active (turning it on again
    /// clears a failing streak).
    public func update(
        _ id: WebhookID, site: SiteID, url: String?, events: [WebhookEvent]?, secret: String?, isActive: Bool?
    ) async throws -> Webhook {
        guard var webhook = webhook(id, site: site) else { throw Failure(kind: .notFound, field: nil, message: "webhook not found") }
        if let secret { try Self.checkSecret(secret) }
        if let url, url != webhook.url { try await check(url: url) }
        webhook.url = url ?? webhook.url
        webhook.events = events.map { Array(Set($0)).sorted() } ?? webhook.events
        webhook.secret = secret ?? webhook.secret
        if let isActive, isActive != webhook.isActive {
            webhook.isActive = isActive
            if isActive {
                webhook.failingSince = nil
                webhook.disabledAt = nil
            }
        }
        webhook.updatedAt = .now()
        _ = try await store.commit(.webhookSaved(webhook))
        return webhook
    }

    public func delete(_ id: WebhookID, site: SiteID) async throws {
        guard webhook(id, site: site) != nil else { throw Failure(kind: .notFound, field: nil, message: "webhook not found") }
        _ = try await store.commit(.webhookDeleted(id, at: .now()))
    }

    /// A `ping` delivery, or `redeliver` (a delivery of the webhook) again with its event id.
    public func request(_ id: WebhookID, site: SiteID, redeliver: UInt64?) async throws {
        guard webhook(id, site: site) != nil else { throw Failure(kind: .notFound, field: nil, message: "webhook not found") }
        if let redeliver {
            guard store.read({ $0.webhooks.deliveries[redeliver]?.webhookID == id }) else {
                throw Failure(kind: .notFound, field: nil, message: "delivery not found")
            }
        }
        _ = try await store.commit(.webhookDeliveryRequested(id, redeliver: redeliver, at: .now()))
    }

    /// The site's webhook, if it has one with this id.
    public func webhook(_ id: WebhookID, site: SiteID) -> Webhook? {
        store.read { state in state.webhooks.webhooks[id].flatMap { $0.siteID == site ? $0 : nil } }
    }

    static func checkSecret(_ secret: String) throws(Failure) {
        guard (8...256).contains(secret.utf8.count), !secret.contains(where: { $0.isWhitespace }) else {
            throw Failure(kind: .invalid, field: "secret", message: "secret must be 8 to 256 bytes without spaces")
        }
    }

    static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return "whsec_" + String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
