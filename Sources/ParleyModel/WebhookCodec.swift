/// The binary forms of webhooks, deliveries and attempts (codec v12; `snapshots/FORMAT.md`).
extension BinaryWriter {
    public mutating func write(_ webhook: Webhook) {
        write(webhook.id)
        write(webhook.siteID)
        write(webhook.url)
        write(UInt64(webhook.events.count))
        for event in webhook.events { write(event.rawValue) }
        write(webhook.secret)
        write(webhook.isActive)
        write(webhook.createdAt)
        write(webhook.updatedAt)
        write(webhook.failingSince)
        write(webhook.disabledAt)
    }

    public mutating func write(_ attempt: WebhookAttempt) {
        write(attempt.deliveryID)
        write(attempt.at)
        write(attempt.statusCode.map(UInt64.init))
        write(attempt.error)
        write(UInt64(attempt.latencyMs))
        switch attempt.outcome {
        case .delivered: write(UInt8(1))
        case .retry(let time):
            write(UInt8(2))
            write(time)
        case .failed: write(UInt8(3))
        }
    }

    public mutating func write(_ subject: WebhookDelivery.Subject) {
        switch subject {
        case .conversation(let conversation):
            write(UInt8(1))
            write(conversation)
        case .message(let message):
            write(UInt8(2))
            write(message, includingConversation: true)
        case .customer(let visitor):
            write(UInt8(3))
            write(visitor)
        case .ping:
            write(UInt8(4))
        }
    }

    /// A delivery as the snapshot keeps it, followed by its last-applied LSN.
    public mutating func write(_ delivery: WebhookDelivery) {
        write(delivery.id)
        write(delivery.webhookID)
        write(delivery.eventID)
        write(delivery.event.rawValue)
        write(delivery.subject)
        write(delivery.occurredAt)
        write(delivery.state.rawValue)
        write(UInt64(delivery.attempts))
        write(delivery.lastStatusCode.map(UInt64.init))
        write(delivery.lastError)
        write(delivery.lastLatencyMs.map(UInt64.init))
        write(delivery.lastAttemptAt)
        write(delivery.nextAttemptAt)
        write(delivery.lastLSN)
    }
}

extension BinaryReader {
    public mutating func readWebhook() throws(CodecError) -> Webhook {
        let id: WebhookID = try readID()
        let site: SiteID = try readID()
        let url = try readString()
        var events: [WebhookEvent] = []
        for _ in 0..<(try readCount()) { events.append(try readEnum(WebhookEvent.self)) }
        return Webhook(
            id: id, siteID: site, url: url, events: events, secret: try readString(), isActive: try readBool(),
            createdAt: try readTimestamp(), updatedAt: try readTimestamp(),
            failingSince: try readOptional { (r) throws(CodecError) in try r.readTimestamp() },
            disabledAt: try readOptional { (r) throws(CodecError) in try r.readTimestamp() })
    }

    public mutating func readWebhookAttempt() throws(CodecError) -> WebhookAttempt {
        let delivery = try readUInt64()
        let at = try readTimestamp()
        let status = try readOptional { (r) throws(CodecError) in try r.readSmall(UInt16.self) }
        let error = try readOptionalString()
        let latency = try readSmall(UInt32.self)
        let outcome: WebhookAttempt.Outcome
        switch try readByte() {
        case 1: outcome = .delivered
        case 2: outcome = .retry(at: try readTimestamp())
        case 3: outcome = .failed
        case let tag: throw .malformed("unknown attempt outcome \(tag)")
        }
        return WebhookAttempt(deliveryID: delivery, at: at, statusCode: status, error: error, latencyMs: latency, outcome: outcome)
    }

    /// A subject as codec `version` wrote it.
    public mutating func readWebhookSubject(version: UInt8) throws(CodecError) -> WebhookDelivery.Subject {
        switch try readByte() {
        case 1: return .conversation(try readConversation(version: version))
        case 2: return .message(try readMessage(in: nil, version: version))
        case 3: return .customer(try readID())
        case 4: return .ping
        case let tag: throw .malformed("unknown webhook subject \(tag)")
        }
    }

    /// A delivery as codec `version` wrote it.
    public mutating func readWebhookDelivery(version: UInt8) throws(CodecError) -> WebhookDelivery {
        WebhookDelivery(
            id: try readUInt64(), webhookID: try readID(), eventID: try readUInt64(), event: try readEnum(WebhookEvent.self),
            subject: try readWebhookSubject(version: version), occurredAt: try readTimestamp(), state: try readEnum(WebhookDelivery.State.self),
            attempts: try readSmall(UInt32.self), lastStatusCode: try readOptional { (r) throws(CodecError) in try r.readSmall(UInt16.self) },
            lastError: try readOptionalString(),
            lastLatencyMs: try readOptional { (r) throws(CodecError) in try r.readSmall(UInt32.self) },
            lastAttemptAt: try readOptional { (r) throws(CodecError) in try r.readTimestamp() },
            nextAttemptAt: try readOptional { (r) throws(CodecError) in try r.readTimestamp() }, lastLSN: try readUInt64())
    }

    /// A varint that must fit `Value`.
    mutating func readSmall<Value: FixedWidthInteger & UnsignedInteger>(_: Value.Type) throws(CodecError) -> Value {
        let value = try readUInt64()
        guard let small = Value(exactly: value) else { throw .malformed("\(value) does not fit \(Value.self)") }
        return small
    }
}
