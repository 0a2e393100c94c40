/// How webhooks are delivered (all configurable; the defaults are the product's).
public struct WebhookConfiguration: Sendable, Hashable {
    /// `--allow-private-webhooks`: lets webhooks call loopback and private addresses.
    public var addressPolicy = AddressPolicy()
    public var retry = RetryPolicy()
    public var connectTimeout: Duration = .seconds(5)
    /// The whole request, from connecting to the end of the answer.
    public var requestTimeout: Duration = .seconds(10)
    /// How much of an answer is read (the rest is ignored).
    public var maxAnswerBytes = 64 * 1024
    /// Deliveries in flight per webhook (each conversation's events still go one at a time).
    public var perWebhook = 4
    /// Deliveries in flight in all: a bound on sockets, high enough that the receivers of
    /// hundreds of webhooks can hang at once without holding up the rest.
    public var maxInFlight = 1024
    /// How often the dispatcher looks for due deliveries when nothing wakes it.
    public var pollInterval: Duration = .milliseconds(200)

    public init() {}
}
