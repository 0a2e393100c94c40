public import Logging
import NIOCore
public import ParleyEngine
public import ParleyModel
public import ParleyRedis
public import ServiceLifecycle

/// Typing and presence across the nodes of a cluster (docs/SCALING.md, "Ephemeral signals"):
/// never logged, carried by Redis pub/sub on `<prefix>:ephemeral`. Each node publishes its own
/// sessions' typing changes and its participants coming online and leaving, a heartbeat every
/// ``heartbeat``, and on (re)subscribing asks the others to repeat who is online with them; it
/// hands what the other nodes publish to its hub as if its own sessions had said it.
///
/// A message is one line of words: `T <node> <conversation> <participant> <1|0>` (typing),
/// `J <node> <site> <participant>` (came online there), `L <node> <site> <participant>` (left
/// there), `H <node>` (heartbeat), `S <node>` (repeat your `J`s). A participant is `v<id>` or
/// `a<id>`.
public final class ClusterSignals: BrokerSubscriber, Service, Sendable {
    public let node: String
    public let channel: String
    public let heartbeat: Duration
    private let hub: Hub
    private let broker: Broker
    private let publisher: RedisClient
    private let redis: RedisConfiguration
    private let outgoing: AsyncStream<String>.Continuation
    private let outbox: AsyncStream<String>
    private let logger: Logger

    /// `node` is this node's name in the cluster (``ParleyStorage/ClusterNode/name``); `publisher`
    /// is a client of its own (closed when the service stops), so signals never wait behind writes.
    public init(
        hub: Hub, node: String, redis: RedisConfiguration, keys: RedisLog.Keys, publisher: RedisClient, heartbeat: Duration = .seconds(5),
        logger: Logger = Logger(label: "parley.cluster")
    ) {
        self.node = node
        channel = "\(keys.prefix):ephemeral"
        self.heartbeat = heartbeat
        self.hub = hub
        broker = hub.broker
        self.publisher = publisher
        self.redis = redis
        self.logger = logger
        // Typing is a hint: past 10,000 unsent signals (Redis away) the oldest go.
        (outbox, outgoing) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(10_000))
        hub.onPresence { [weak self] identity, joined in self?.published(identity, joined: joined) }
    }

    // MARK: Publishing

    /// This node's typing changes (those of other nodes reach the hub directly, never here).
    public func receive(_ events: [BrokerEvent]) {
        for case .typing(let conversation, let participant, let isTyping) in events {
            outgoing.yield("T \(node) \(conversation.rawValue) \(Self.encode(participant)) \(isTyping ? 1 : 0)")
        }
    }

    private func published(_ identity: SessionIdentity, joined: Bool) {
        outgoing.yield("\(joined ? "J" : "L") \(node) \(identity.site.rawValue) \(Self.encode(identity.participant))")
    }

    private func requestSync() {
        outgoing.yield("S \(node)")
        repeatOnline()
    }

    private func repeatOnline() {
        for (participant, site) in broker.presence.local() { published(SessionIdentity(participant, site: site), joined: true) }
    }

    // MARK: Receiving

    func handle(_ text: String) {
        let words = text.split(separator: " ")
        guard words.count >= 2, words[1] != node else { return }
        let from = String(words[1])
        let now = ContinuousClock.now
        switch (words[0], words.count) {
        case ("T", 5):
            guard let conversation = UInt64(words[2]), let participant = Self.decode(words[3]) else { return }
            broker.presence.remoteHeard(from, now: now)
            hub.receive([.typing(ConversationID(conversation), participant, isTyping: words[4] == "1")])
        case ("J", 4):
            guard let raw = UInt64(words[2]), let participant = Self.decode(words[3]) else { return }
            let site = SiteID(raw)
            if broker.presence.remoteJoined(participant, site: site, node: from, now: now) {
                hub.announceRemotePresence(SessionIdentity(participant, site: site), joined: true)
            }
        case ("L", 4):
            guard let participant = Self.decode(words[3]) else { return }
            if let site = broker.presence.remoteLeft(participant, node: from, now: now) {
                hub.announceRemotePresence(SessionIdentity(participant, site: site), joined: false)
            }
        case ("H", 2):
            broker.presence.remoteHeard(from, now: now)
        case ("S", 2):
            broker.presence.remoteHeard(from, now: now)
            repeatOnline()
        default:
            logger.debug("an ephemeral signal this node does not read", metadata: ["parley.signal": "\(text)"])
        }
    }

    // MARK: Service

    public func run() async throws {
        let subscriber = RedisSubscriber(
            configuration: redis, channels: [channel], logger: logger, onResubscribed: { [weak self] in self?.requestSync() },
            onMessage: { [weak self] _, payload in self?.handle(String(buffer: payload)) })
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.send() }
                group.addTask { await self.subscribe(subscriber) }
                while !Task.isCancelled {
                    self.outgoing.yield("H \(self.node)")
                    for (participant, site) in self.broker.presence.expireRemote(now: .now) {
                        self.hub.announceRemotePresence(SessionIdentity(participant, site: site), joined: false)
                    }
                    try? await Task.sleep(for: self.heartbeat)
                }
                self.outgoing.finish()
                group.cancelAll()
            }
        }
        await subscriber.shutdown()
        await publisher.shutdown()
    }

    /// Publishes the outbox, one signal after the other (a node's typing start and stop keep
    /// their order).
    private func send() async {
        for await signal in outbox {
            do {
                try await publisher.send("PUBLISH", .text(channel), .text(signal))
            } catch {
                logger.debug("an ephemeral signal was not published", metadata: ["parley.error": "\(error)"])
            }
        }
    }

    /// Subscribes (retrying until Redis answers), then asks the other nodes who is online.
    private func subscribe(_ subscriber: RedisSubscriber) async {
        var backoff = RedisBackoff(initial: .milliseconds(100), max: .seconds(2))
        while !Task.isCancelled {
            do {
                try await subscriber.start()
                requestSync()
                return
            } catch {
                if backoff.attempts == 0 { logger.warning("cannot subscribe to the cluster's signals; retrying", metadata: ["parley.error": "\(error)"]) }
                try? await Task.sleep(for: backoff.next())
            }
        }
    }

    static func encode(_ participant: Participant) -> String {
        switch participant {
        case .visitor(let id): "v\(id.rawValue)"
        case .agent(let id): "a\(id.rawValue)"
        }
    }

    static func decode(_ word: Substring) -> Participant? {
        guard let id = UInt64(word.dropFirst()) else { return nil }
        switch word.first {
        case "v": return .visitor(VisitorID(id))
        case "a": return .agent(AgentID(id))
        default: return nil
        }
    }
}
