import ParleyTestSupport
import Testing

@testable import ParleyModel

/// The outbox as a state machine: who is told, in which order, how attempts fold in, when a
/// webhook is disabled, and that replay changes nothing.
@Suite struct WebhookOutboxTests {
    static let t0 = SampleData.t0
    static let site = SampleData.site

    static func state(events: [WebhookEvent] = WebhookEvent.subscribable) throws -> ParleyState {
        var state = ParleyState()
        var lsn: UInt64 = 0
        for event in SampleData.version1Events.prefix(5) {
            lsn += 1
            try state.apply(event, lsn: lsn)
        }
        try state.apply(
            .webhookSaved(Webhook(id: WebhookID(1), siteID: site.id, url: "https://a.example/h", events: events, secret: "s3cretkey", createdAt: t0)),
            lsn: 10)
        try state.apply(
            .webhookSaved(
                Webhook(id: WebhookID(2), siteID: site.id, url: "https://b.example/h", events: [.messageSent], secret: "s3cretkey", createdAt: t0)),
            lsn: 11)
        return state
    }

    static func message(_ conversation: UInt64, seq: UInt64, id: UInt64, visitor: Bool = true) -> Event {
        .messageAppended(
            Message(
                id: MessageID(id), conversationID: ConversationID(conversation), seq: seq,
                sender: visitor ? .visitor(SampleData.visitor.id) : .agent(SampleData.agent.id), content: "m\(id)",
                createdAt: Timestamp(milliseconds: t0.milliseconds + Int64(id))))
    }

    @Test func eventsGoToTheSubscribedActiveWebhooksOfTheSite() throws {
        var state = try Self.state()
        try state.apply(.conversationOpened(SampleData.conversation), lsn: 12)
        try state.apply(Self.message(1, seq: 1, id: 1), lsn: 13)
        try state.apply(Self.message(1, seq: 2, id: 2, visitor: false), lsn: 14)
        let first = state.webhooks.deliveries(of: WebhookID(1)).reversed().map(\.event)
        #expect(first == [.conversationCreated, .messageReceived, .messageSent])
        #expect(state.webhooks.deliveries(of: WebhookID(2)).map(\.event) == [.messageSent])
        // One event, one id, whichever webhook hears it.
        let sent = state.webhooks.deliveries.values.filter { $0.event == .messageSent }
        #expect(sent.count == 2 && Set(sent.map(\.eventID)).count == 1)
        #expect(state.webhooks.queueDepth == 4)
    }

    @Test func aConversationsEventsGoOutInOrderAndWebhooksAreBounded() throws {
        var state = try Self.state()
        try state.apply(.conversationOpened(SampleData.conversation), lsn: 12)
        for index in 1...3 { try state.apply(Self.message(1, seq: UInt64(index), id: UInt64(index)), lsn: 12 + UInt64(index)) }
        try state.apply(.webhookDeliveryRequested(WebhookID(1), redeliver: nil, at: Self.t0), lsn: 20)  // a ping: lane 0
        let now = Timestamp(milliseconds: Self.t0.milliseconds + 10_000)
        let due = state.webhooks.due(now: now, inFlight: [], perWebhook: 4)
        // The conversation's oldest and the ping: the conversation's later events wait their turn.
        #expect(due.filter { $0.webhookID == WebhookID(1) }.map(\.event) == [.conversationCreated, .ping])
        #expect(state.webhooks.due(now: now, inFlight: [], perWebhook: 1).filter { $0.webhookID == WebhookID(1) }.count == 1)
        #expect(state.webhooks.due(now: now, inFlight: [], perWebhook: 4, scanLimit: 1).filter { $0.webhookID == WebhookID(1) }.map(\.event) == [.conversationCreated], "only the oldest are looked at")
        let head = try #require(due.first)
        #expect(state.webhooks.due(now: now, inFlight: [head.id], perWebhook: 4).filter { $0.webhookID == WebhookID(1) }.map(\.event) == [.ping])
        // A retry at a later time holds its lane until then.
        let retry = Timestamp(milliseconds: now.milliseconds + 5000)
        try state.apply(.webhookAttempted(WebhookAttempt(deliveryID: head.id, at: now, statusCode: 500, error: "HTTP 500", latencyMs: 3, outcome: .retry(at: retry))), lsn: 21)
        #expect(!state.webhooks.due(now: now, inFlight: [], perWebhook: 4).contains { $0.id == head.id })
        #expect(state.webhooks.due(now: retry, inFlight: [], perWebhook: 4).contains { $0.id == head.id })
        try state.apply(.webhookAttempted(WebhookAttempt(deliveryID: head.id, at: retry, statusCode: 200, error: nil, latencyMs: 3, outcome: .delivered)), lsn: 22)
        let next = state.webhooks.due(now: retry, inFlight: [], perWebhook: 4).filter { $0.webhookID == WebhookID(1) && $0.event != .ping }
        #expect(next.map(\.event) == [.messageReceived] && next.first?.eventID == head.eventID + 1)
        let delivered = try #require(state.webhooks.deliveries[head.id])
        #expect(delivered.state == .delivered && delivered.attempts == 2 && delivered.lastStatusCode == 200)
    }

    @Test func redeliveryKeepsTheEventIdAndFailingADayDisablesTheWebhook() throws {
        var state = try Self.state(events: [.conversationCreated])
        try state.apply(.conversationOpened(SampleData.conversation), lsn: 12)
        let first = try #require(state.webhooks.deliveries(of: WebhookID(1)).first)
        try state.apply(.webhookAttempted(WebhookAttempt(deliveryID: first.id, at: Self.t0, statusCode: nil, error: "timed out", latencyMs: 1, outcome: .failed)), lsn: 13)
        #expect(state.webhooks.deliveries[first.id]?.state == .failed)
        #expect(state.webhooks.webhooks[WebhookID(1)]?.failingSince == Self.t0)
        try state.apply(.webhookDeliveryRequested(WebhookID(1), redeliver: first.id, at: Self.t0), lsn: 14)
        let again = try #require(state.webhooks.deliveries(of: WebhookID(1)).first)
        #expect(again.id != first.id && again.eventID == first.eventID && again.state == .pending)
        // Still failing a day after the first failure: disabled, and nothing more is due.
        let dayLater = Timestamp(milliseconds: Self.t0.milliseconds + WebhookOutbox.disableAfterMilliseconds)
        try state.apply(.webhookAttempted(WebhookAttempt(deliveryID: again.id, at: dayLater, statusCode: 502, error: "HTTP 502", latencyMs: 1, outcome: .retry(at: dayLater))), lsn: 15)
        let webhook = try #require(state.webhooks.webhooks[WebhookID(1)])
        #expect(!webhook.isActive && webhook.disabledAt == dayLater)
        let told = try #require(state.notifications[SampleData.agent.id]?.last)
        #expect(told.kind == .webhookDisabled && told.webhookID == WebhookID(1) && told.conversationID == nil, "the owner is told")
        #expect(state.webhooks.due(now: dayLater, inFlight: [], perWebhook: 4).isEmpty)
        // A success clears the streak (after an owner turns it on again).
        try state.apply(.webhookSaved({ var on = webhook; on.isActive = true; on.failingSince = nil; on.disabledAt = nil; return on }()), lsn: 16)
        try state.apply(.webhookAttempted(WebhookAttempt(deliveryID: again.id, at: dayLater, statusCode: 204, error: nil, latencyMs: 1, outcome: .delivered)), lsn: 17)
        #expect(state.webhooks.webhooks[WebhookID(1)]?.failingSince == nil && state.webhooks.queueDepth == 0)
    }

    @Test func replayAndRestoreChangeNothing() throws {
        var state = try Self.state()
        var events: [(Event, UInt64)] = [(.conversationOpened(SampleData.conversation), 12)]
        for index in 1...5 { events.append((Self.message(1, seq: UInt64(index), id: UInt64(index)), 12 + UInt64(index))) }
        events.append((.webhookAttempted(WebhookAttempt(deliveryID: 1, at: Self.t0, statusCode: 200, error: nil, latencyMs: 1, outcome: .delivered)), 30))
        events.append((.webhookDeleted(WebhookID(2), at: Self.t0), 31))
        for (event, lsn) in events { try state.apply(event, lsn: lsn) }
        let before = StateCodec.encode(state)
        for (event, lsn) in events { #expect(try state.apply(event, lsn: lsn) == false, "\(event)") }
        #expect(StateCodec.encode(state) == before)
        let restored = try before.withUnsafeBytes { try StateCodec.decode($0) }
        #expect(StateCodec.encode(restored) == before)
        #expect(restored.webhooks.webhookWatermark == 2 && restored.webhooks.webhooks[WebhookID(2)] == nil)
    }
}
