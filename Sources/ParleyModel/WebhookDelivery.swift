/// One event on its way to one webhook: the outbox entry, made by ``ParleyState`` while it
/// applies the change that caused it (so the change and the promise to tell are one record),
/// and its attempts. Codec v12.
public struct WebhookDelivery: Hashable, Sendable {
    public enum State: UInt8, Sendable {
        case pending = 1
        case delivered = 2
        case failed = 3

        public var name: String {
            switch self {
            case .pending: "pending"
            case .delivered: "delivered"
            case .failed: "failed"
            }
        }
    }

    /// What the event is about, as it was when it happened.
    public enum Subject: Hashable, Sendable {
        case conversation(Conversation)
        case message(Message)
        case customer(VisitorID)
        case ping
    }

    public var id: UInt64
    public var webhookID: WebhookID
    /// The event's stable id (`X-Webhook-Id`): the same for every webhook told of it and for
    /// every retry and redelivery.
    public var eventID: UInt64
    public var event: WebhookEvent
    public var subject: Subject
    /// When the event happened (the payload's `timestamp`).
    public var occurredAt: Timestamp
    public var state: State
    public var attempts: UInt32
    public var lastStatusCode: UInt16?
    public var lastError: String?
    public var lastLatencyMs: UInt32?
    public var lastAttemptAt: Timestamp?
    /// When the next attempt is due (pending only).
    public var nextAttemptAt: Timestamp?
    /// The LSN of the last record applied to it (makes replay idempotent).
    public var lastLSN: UInt64

    public init(
        id: UInt64, webhookID: WebhookID, eventID: UInt64, event: WebhookEvent, subject: Subject, occurredAt: Timestamp,
        state: State = .pending, attempts: UInt32 = 0, lastStatusCode: UInt16? = nil, lastError: String? = nil,
        lastLatencyMs: UInt32? = nil, lastAttemptAt: Timestamp? = nil, nextAttemptAt: Timestamp? = nil, lastLSN: UInt64 = 0
    ) {
        self.id = id
        self.webhookID = webhookID
        self.eventID = eventID
        self.event = event
        self.subject = subject
        self.occurredAt = occurredAt
        self.state = state
        self.attempts = attempts
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.lastLatencyMs = lastLatencyMs
        self.lastAttemptAt = lastAttemptAt
        self.nextAttemptAt = nextAttemptAt ?? (state == .pending ? occurredAt : nil)
        self.lastLSN = lastLSN
    }

    /// Deliveries of one lane go out in event order: the events of one conversation (customer
    /// and ping events have a lane of their own, 0).
    public var lane: UInt64 {
        switch subject {
        case .conversation(let conversation): conversation.id.rawValue
        case .message(let message): message.conversationID.rawValue
        case .customer, .ping: 0
        }
    }
}

/// The result of one attempt, as the dispatcher logs it (record 32).
public struct WebhookAttempt: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        case delivered
        /// Not delivered; try again at this time.
        case retry(at: Timestamp)
        /// Not delivered, and no more attempts (24 h of them).
        case failed
    }

    public var deliveryID: UInt64
    public var at: Timestamp
    /// The receiver's HTTP status, when it answered.
    public var statusCode: UInt16?
    /// Why it failed, when it did (a timeout, a refused address, a status).
    public var error: String?
    public var latencyMs: UInt32
    public var outcome: Outcome

    public init(deliveryID: UInt64, at: Timestamp, statusCode: UInt16?, error: String?, latencyMs: UInt32, outcome: Outcome) {
        self.deliveryID = deliveryID
        self.at = at
        self.statusCode = statusCode
        self.error = error
        self.latencyMs = latencyMs
        self.outcome = outcome
    }
}
