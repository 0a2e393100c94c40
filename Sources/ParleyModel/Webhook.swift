public enum WebhookKind: IdentifierKind { public static var kind: EntityKind { .webhook } }
public typealias WebhookID = Identifier<WebhookKind>

/// What a webhook can be told (seed 003's six events, and `ping` from the test route).
public enum WebhookEvent: UInt8, Sendable, CaseIterable, Comparable {
    case conversationCreated = 1
    case conversationClosed = 2
    case conversationAssigned = 3
    /// A customer wrote.
    case messageReceived = 4
    /// An agent or a bot wrote.
    case messageSent = 5
    case customerIdentified = 6
    /// Sent only by `POST /webhooks/{id}/test`; never subscribed to.
    case ping = 7

    public var name: String {
        switch self {
        case .conversationCreated: "conversation.created"
        case .conversationClosed: "conversation.closed"
        case .conversationAssigned: "conversation.assigned"
        case .messageReceived: "message.received"
        case .messageSent: "message.sent"
        case .customerIdentified: "customer.identified"
        case .ping: "ping"
        }
    }

    public init?(name: String) {
        guard let event = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = event
    }

    /// The events a webhook may subscribe to.
    public static let subscribable: [WebhookEvent] = allCases.filter { $0 != .ping }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A site's webhook: where events go, which ones, and the secret that signs them (kept as
/// given: it must sign every delivery, so the log and snapshots must be guarded like the JWT
/// key). Codec v12.
public struct Webhook: Hashable, Sendable {
    public var id: WebhookID
    public var siteID: SiteID
    public var url: String
    /// Sorted, without duplicates.
    public var events: [WebhookEvent]
    public var secret: String
    public var isActive: Bool
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// Since when every attempt has failed (`nil` after a success); 24 h of it disables the webhook.
    public var failingSince: Timestamp?
    /// When it was disabled for failing (an owner may turn it on again).
    public var disabledAt: Timestamp?
    public var lastLSN: UInt64

    public init(
        id: WebhookID, siteID: SiteID, url: String, events: [WebhookEvent], secret: String, isActive: Bool = true,
        createdAt: Timestamp, updatedAt: Timestamp? = nil, failingSince: Timestamp? = nil, disabledAt: Timestamp? = nil,
        lastLSN: UInt64 = 0
    ) {
        self.id = id
        self.siteID = siteID
        self.url = url
        self.events = Array(Set(events)).sorted()
        self.secret = secret
        self.isActive = isActive
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.failingSince = failingSince
        self.disabledAt = disabledAt
        self.lastLSN = lastLSN
    }
}
