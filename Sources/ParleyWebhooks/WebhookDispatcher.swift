import AsyncHTTPClient
import Foundation
public import Logging
import Metrics
import NIOCore
import NIOHTTP1
public import ParleyModel
public import ParleyStorage
public import ServiceLifecycle
import Synchronization

/// Sends the outbox: reads the due deliveries from the state, posts each with its signature
/// (async-http-client; the checked address pinned for the connection, no redirects, timeouts,
/// a bounded answer), and logs every attempt (record 32) — a delivery leaves the outbox only
/// through the log, so nothing pending is forgotten across a crash. At least once: an attempt
/// that succeeded but was not logged before a crash is sent again with the same event id.
///
/// Each webhook has at most ``WebhookConfiguration/perWebhook`` deliveries in flight, and each
/// conversation's events go one after the other; a slow or dead receiver holds only its own
/// deliveries, never another webhook's or anything on the message path.
public final class WebhookDispatcher: Service, CommitObserver, Sendable {
    /// Renders a delivery's body (`{id, event, timestamp, data}`); `nil` when it cannot be.
    public typealias Renderer = @Sendable (WebhookDelivery) -> [UInt8]?

    private let store: EventStore
    private let configuration: WebhookConfiguration
    private let render: Renderer
    private let logger: Logger
    private let inFlight = Mutex<Set<UInt64>>([])
    /// Whether any site has a webhook (as of the last look at the state): without one, commits
    /// on the message path do not wake the dispatcher.
    private let anyWebhooks = Atomic<Bool>(true)
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let queueDepth = Gauge(label: "parley_webhook_queue_depth")
    private let latency = Timer(label: "parley_webhook_delivery_latency_seconds")
    private let attempts = Counter(label: "parley_webhook_attempts_total")

    public init(store: EventStore, configuration: WebhookConfiguration, render: @escaping Renderer, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.render = render
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// New outbox entries wake the dispatcher at once instead of at the next poll; commits that
    /// cannot have made any (no webhook anywhere, or not an event webhooks hear of) do not.
    public func didCommit(_ events: [CommittedEvent]) {
        let hooked = anyWebhooks.load(ordering: .relaxed)
        let relevant = events.contains { committed in
            switch committed.event {
            case .webhookSaved, .webhookDeliveryRequested: true
            case .conversationOpened, .conversationAssigned, .conversationClosed, .messageAppended, .customerIdentified: hooked
            default: false
            }
        }
        if relevant { wake.yield() }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { [wake, configuration] in
                // A heartbeat, so retries come due without a commit to wake the loop.
                while !Task.isCancelled {
                    try? await Task.sleep(for: configuration.pollInterval)
                    wake.yield()
                }
            }
            for await _ in wakeups.cancelOnGracefulShutdown() {
                for delivery in takeDue() {
                    group.addTask { await self.attempt(delivery) }
                }
            }
            group.cancelAll()
        }
    }

    /// The due deliveries not yet in flight, marked in flight (within the global bound).
    private func takeDue() -> [WebhookDelivery] {
        let now = Timestamp.now()
        return inFlight.withLock { busy in
            let budget = configuration.maxInFlight - busy.count
            guard budget > 0 else { return [] }
            let due = store.read { state in
                anyWebhooks.store(!state.webhooks.webhooks.isEmpty, ordering: .relaxed)
                queueDepth.record(state.webhooks.queueDepth)
                return state.webhooks.due(now: now, inFlight: busy, perWebhook: configuration.perWebhook)
            }
            let taken = Array(due.prefix(budget))
            busy.formUnion(taken.map(\.id))
            return taken
        }
    }

    private func attempt(_ delivery: WebhookDelivery) async {
        defer {
            inFlight.withLock { _ = $0.remove(delivery.id) }
            wake.yield()
        }
        guard let webhook = store.read({ $0.webhooks.webhooks[delivery.webhookID] }), webhook.isActive else { return }
        // On a cluster node every node sees the outbox: one node makes each attempt.
        let claimLifetime = configuration.requestTimeout + .seconds(30)
        guard await store.claim("webhook:\(delivery.id):\(delivery.attempts)", for: claimLifetime) else { return }
        let started = ContinuousClock.now
        let (status, error) = await post(delivery, to: webhook)
        let elapsed = ContinuousClock.now - started
        let now = Timestamp.now()
        let delivered = status.map { (200..<300).contains($0) } ?? false
        let outcome: WebhookAttempt.Outcome
        if delivered {
            outcome = .delivered
        } else if let next = configuration.retry.nextAttempt(
            after: delivery.attempts + 1, occurredAt: delivery.occurredAt, now: now, unit: Double.random(in: 0..<1))
        {
            outcome = .retry(at: next)
        } else {
            outcome = .failed
        }
        let milliseconds = UInt32(clamping: RetryPolicy.milliseconds(elapsed))
        attempts.increment()
        latency.recordNanoseconds(Int64(clamping: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000))
        let result = switch outcome {
        case .delivered: "delivered"
        case .retry: "retried"
        case .failed: "failed"
        }
        Counter(label: "parley_webhook_deliveries_total", dimensions: [("outcome", result)]).increment()
        let record = WebhookAttempt(
            deliveryID: delivery.id, at: now, statusCode: status.map { UInt16(clamping: $0) }, error: error, latencyMs: milliseconds,
            outcome: outcome)
        do {
            _ = try await store.commit(.webhookAttempted(record))
        } catch {
            // Not logged: the delivery stays pending and is tried again (at least once).
            logger.warning("could not log a webhook attempt", metadata: ["parley.error": "\(error)"])
        }
    }

    /// One POST; the receiver's status, or why there was none (or why it failed).
    private func post(_ delivery: WebhookDelivery, to webhook: Webhook) async -> (status: Int?, error: String?) {
        guard let body = render(delivery) else { return (nil, "the event's subject no longer exists") }
        let target: WebhookTarget
        do {
            target = try await WebhookTarget.resolve(webhook.url, policy: configuration.addressPolicy)
        } catch {
            return (nil, "\(error)")
        }
        var client = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .milliseconds(RetryPolicy.milliseconds(configuration.connectTimeout)),
                read: .milliseconds(RetryPolicy.milliseconds(configuration.requestTimeout))))
        // The connection goes to the address just checked, whatever DNS says next.
        client.dnsOverride = [target.host: AddressPolicy.text(target.address)]
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: client)
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Parley-Webhooks/1")
        request.headers.add(name: "X-Webhook-Id", value: WebhookPayload.eventID(delivery.eventID))
        request.headers.add(name: "X-Webhook-Event", value: delivery.event.name)
        request.headers.add(name: "X-Webhook-Delivery", value: String(delivery.id))
        request.headers.add(name: "X-Webhook-Attempt", value: String(delivery.attempts + 1))
        request.headers.add(name: "X-Webhook-Signature", value: WebhookSigner.signature(of: body, secret: webhook.secret))
        request.body = .bytes(ByteBuffer(bytes: body))
        let result: (status: Int?, error: String?)
        do {
            let response = try await http.execute(request, timeout: .milliseconds(RetryPolicy.milliseconds(configuration.requestTimeout)))
            _ = try? await response.body.collect(upTo: configuration.maxAnswerBytes)
            let status = Int(response.status.code)
            result = (status, (200..<300).contains(status) ? nil : "HTTP \(status)")
        } catch {
            result = (nil, Self.describe(error))
        }
        try? await http.shutdown()
        return result
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .connectTimeout: return "connect timed out"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
