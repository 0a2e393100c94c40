import Dispatch
import ParleyEngine
import ParleyLog
import ParleyModel
import ParleyStorage
import ParleyTestSupport
import Synchronization
import Testing

/// Collects what the broker publishes.
final class RecordingSubscriber: BrokerSubscriber {
    private let events = Mutex<[BrokerEvent]>([])
    func receive(_ batch: [BrokerEvent]) { events.withLock { $0 += batch } }
    var all: [BrokerEvent] { events.withLock { $0 } }
    /// The `seq`s of the committed messages, in the order they were published.
    var messageSeqs: [UInt64] {
        all.compactMap {
            if case .committed(_, .messageAppended(let message)) = $0 { return message.seq }
            return nil
        }
    }
}

/// Collects the outcomes of sends from any thread.
final class Outcomes: Sendable {
    private let state = Mutex<(seqs: [UInt64], refusals: Int)>(([], 0))
    func add(_ outcome: Result<UInt64, any Error>) {
        state.withLock { state in
            switch outcome {
            case .success(let seq): state.seqs.append(seq)
            case .failure: state.refusals += 1
            }
        }
    }
    var seqs: [UInt64] { state.withLock { $0.seqs } }
    var refusals: Int { state.withLock { $0.refusals } }
    var count: Int { state.withLock { $0.seqs.count + $0.refusals } }
}

@Suite struct BrokerTests {
    static func makeBroker(typingTimeout: Duration = .seconds(6)) throws -> (EventStore, Broker) {
        let store = try EventStore.open(
            StorageConfiguration(dataDirectory: "/data", fsync: .always, fileSystem: CrashSimulatingFileSystem(), usesLockFile: false))
        var limits = EngineLimits()
        limits.typingTimeout = typingTimeout
        return (store, Broker(store: store, limits: limits, passwords: PasswordHasher(cost: 4)))
    }

    static func setUp(_ broker: Broker) async throws -> (Site, Agent, Visitor, Conversation) {
        let site = try await broker.directory.createSite(name: "Shop", domain: "https://shop.example")
        let agent = try await broker.directory.createAgent(
            site: site.id, username: "alice", email: "Alice@Shop.example", password: "correct horse", role: .owner)
        let (visitor, created) = try await broker.directory.registerVisitor(site: site.id, externalID: "v_1", name: "Vera")
        #expect(created)
        let conversation = try await broker.openConversation(site: site.id, visitor: visitor.id)
        return (site, agent, visitor, conversation)
    }

    @Test func concurrentSendsGetGaplessSeqsAndSubscribersSeeThemInOrder() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let subscriber = RecordingSubscriber()
        broker.subscribe(subscriber)
        let (_, _, visitor, conversation) = try await Self.setUp(broker)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m\(index)"), to: conversation.id)
                }
            }
            try await group.waitForAll()
        }
        let page = try broker.messages(conversation.id, page: .newest(limit: 500))
        #expect(page.messages.map(\.seq) == Array(1...200))
        let published = subscriber.messageSeqs
        #expect(published == Array(1...200))
        let lsns: [UInt64] = subscriber.all.compactMap {
            if case .committed(let lsn, _) = $0 { return lsn }
            return nil
        }
        #expect(lsns == lsns.sorted())
    }

    /// The WebSocket path appends from event-loop threads without the actor (issue 18): appends
    /// from many threads at once, beside actor sends, still get gapless `seq`s in log order.
    @Test func appendsFromManyThreadsGetGaplessSeqsInLogOrder() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let subscriber = RecordingSubscriber()
        broker.subscribe(subscriber)
        let (_, _, visitor, conversation) = try await Self.setUp(broker)
        let outcomes = Outcomes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                DispatchQueue.concurrentPerform(iterations: 300) { index in
                    do {
                        try broker.append(MessageDraft(sender: .visitor(visitor.id), content: "t\(index)"), to: conversation.id) {
                            result in
                            outcomes.add(result.map(\.message.seq))
                        }
                    } catch {
                        outcomes.add(.failure(error))
                    }
                }
            }
            for index in 0..<100 {
                group.addTask {
                    let receipt = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "a\(index)"), to: conversation.id)
                    outcomes.add(.success(receipt.message.seq))
                }
            }
            try await group.waitForAll()
        }
        // The appends are acknowledged from the flusher: wait for all of them, bounded.
        let deadline = ContinuousClock.now + .seconds(20)
        while outcomes.count < 400, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(outcomes.refusals == 0)
        #expect(outcomes.seqs.sorted() == Array(1...400))
        let published = subscriber.messageSeqs
        #expect(published == Array(1...400))
        let page = try broker.messages(conversation.id, page: .newest(limit: 500))
        #expect(page.messages.map(\.seq) == Array(1...400))
    }

    @Test func aRepeatedClientMessageIDIsAnsweredNotStored() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let (_, _, visitor, conversation) = try await Self.setUp(broker)
        let draft = MessageDraft(sender: .visitor(visitor.id), content: "hello", clientMessageID: "c-1")
        let first = try await broker.send(draft, to: conversation.id)
        let again = try await broker.send(draft, to: conversation.id)
        #expect(!first.duplicate)
        #expect(again.duplicate)
        #expect(again.message == first.message)
        await #expect(throws: EngineError.self) {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "other", clientMessageID: "c-1"), to: conversation.id)
        }
        #expect(try broker.messages(conversation.id, page: .newest(limit: 10)).messages.count == 1)
    }

    @Test func limitsAndBadInputAreRefusedWithStableCodes() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let (site, _, visitor, conversation) = try await Self.setUp(broker)
        let big = String(repeating: "é", count: 8193)  // 16,386 UTF-8 bytes
        await #expect(throws: EngineError(.payloadTooLarge, "message text is longer than 16384 bytes")) {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: big), to: conversation.id)
        }
        await #expect(throws: EngineError.validation("content is required")) {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "  "), to: conversation.id)
        }
        await #expect(throws: EngineError.notFound("conversation not found")) {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "x"), to: ConversationID(999))
        }
        await #expect(throws: EngineError.self) {
            _ = try await broker.directory.createAgent(site: site.id, username: "ALICE", email: "b@shop.example", password: "long enough", role: .agent)
        }
        await #expect(throws: EngineError.self) {
            _ = try await broker.directory.createAgent(site: site.id, username: "bob", email: "not-an-email", password: "long enough", role: .agent)
        }
        await #expect(throws: EngineError.self) {
            _ = try await broker.directory.createAgent(site: SiteID(77), username: "bob", email: "b@x.io", password: "long enough", role: .agent)
        }
        await #expect(throws: EngineError.self) {
            _ = try await broker.openConversation(site: SiteID(77), visitor: visitor.id)
        }
    }

    @Test func closedConversationsTakeNoMessagesAndStatusFollowsAssignment() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let (_, agent, visitor, conversation) = try await Self.setUp(broker)
        #expect(broker.conversation(conversation.id)?.status == .pending)
        try await broker.assign(conversation.id, to: agent.id)
        #expect(broker.conversation(conversation.id)?.status == .open)
        try await broker.close(conversation.id)
        try await broker.close(conversation.id)
        #expect(broker.conversation(conversation.id)?.status == .closed)
        await #expect(throws: EngineError.conflict("conversation is closed")) {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "late"), to: conversation.id)
        }
    }

    @Test func readCursorsAndUnreadCounts() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let (_, agent, visitor, conversation) = try await Self.setUp(broker)
        for index in 0..<5 {
            _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "v\(index)"), to: conversation.id)
        }
        _ = try await broker.send(MessageDraft(sender: .agent(agent.id), content: "a"), to: conversation.id)
        #expect(broker.unreadCount(conversation.id, for: .agent(agent.id)) == 5)
        #expect(broker.unreadCount(conversation.id, for: .visitor(visitor.id)) == 1)
        #expect(try await broker.markRead(conversation.id, reader: .agent(agent.id), through: 3) == 3)
        #expect(try await broker.markRead(conversation.id, reader: .agent(agent.id), through: 2) == 3)
        #expect(broker.unreadCount(conversation.id, for: .agent(agent.id)) == 2)
        #expect(try await broker.markRead(conversation.id, reader: .agent(agent.id), through: 1000) == 6)
        #expect(broker.unreadCount(conversation.id, for: .agent(agent.id)) == 0)
    }

    @Test func historyPagesAreAscendingWithHasMoreInTheDirectionOfTravel() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let (_, _, visitor, conversation) = try await Self.setUp(broker)
        var ids: [MessageID] = []
        for index in 0..<10 {
            ids.append(try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "\(index)"), to: conversation.id).message.id)
        }
        let newest = try broker.messages(conversation.id, page: .newest(limit: 4))
        #expect(newest.messages.map(\.seq) == [7, 8, 9, 10])
        #expect(newest.hasMore)
        let before = try broker.messages(conversation.id, page: .before(ids[6], limit: 4))
        #expect(before.messages.map(\.seq) == [3, 4, 5, 6])
        #expect(before.hasMore)
        let first = try broker.messages(conversation.id, page: .before(ids[2], limit: 4))
        #expect(first.messages.map(\.seq) == [1, 2])
        #expect(!first.hasMore)
        let after = try broker.messages(conversation.id, page: .after(ids[6], limit: 10))
        #expect(after.messages.map(\.seq) == [8, 9, 10])
        #expect(!after.hasMore)
        #expect(throws: EngineError.self) { _ = try broker.messages(conversation.id, page: .before(MessageID(999), limit: 4)) }
    }

    @Test func visitorsRegisterOncePerSiteAndComeBack() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let site = try await broker.directory.createSite(name: "Shop", domain: "")
        async let first = broker.directory.registerVisitor(site: site.id, externalID: "v_same", name: "A")
        async let second = broker.directory.registerVisitor(site: site.id, externalID: "v_same", name: "B")
        let results = try await [first, second]
        #expect(results[0].visitor.id == results[1].visitor.id)
        #expect(results.filter(\.created).count == 1)
        #expect(store.read { $0.visitors.count } == 1)
    }

    @Test func typingIsAnnouncedOnChangeAndStopsByItself() async throws {
        let (store, broker) = try Self.makeBroker(typingTimeout: .milliseconds(100))
        defer { store.close() }
        let subscriber = RecordingSubscriber()
        broker.subscribe(subscriber)
        let (_, _, visitor, conversation) = try await Self.setUp(broker)
        try broker.setTyping(conversation.id, .visitor(visitor.id), true)
        try broker.setTyping(conversation.id, .visitor(visitor.id), true)
        let typing: () -> [Bool] = {
            subscriber.all.compactMap {
                if case .typing(_, _, let isTyping) = $0 { return isTyping }
                return nil
            }
        }
        #expect(typing() == [true])
        // Generous: on a loaded runner the 100 ms timer may fire late (this is no timing test;
        // 20 s was once not enough in a full parallel run on two cores).
        let deadline = ContinuousClock.now + .seconds(60)
        while typing().count < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(typing() == [true, false])
        // A sent message also ends typing.
        try broker.setTyping(conversation.id, .visitor(visitor.id), true)
        _ = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "done"), to: conversation.id)
        #expect(typing() == [true, false, true, false])
    }

    @Test func passwordsVerify() throws {
        let hash = try PasswordHasher(cost: 4).hash("correct horse")
        #expect(hash.hasPrefix("$2b$04$"))
        #expect(PasswordHasher.verify("correct horse", against: hash))
        #expect(!PasswordHasher.verify("wrong horse", against: hash))
        #expect(!PasswordHasher.verify("correct horse", against: "scrypt$x"))
        // scrypt hashes written before bcrypt still verify (made with Python's hashlib.scrypt).
        let legacy = "scrypt$16$8$1$cGFybGV5LXNhbHQtMDAwMQ==$kfsAWvRCyr2a2gOXrHcDyM0y0LrbxmrGf2A7jFHc0wQ="
        #expect(PasswordHasher.verify("correct horse", against: legacy))
        #expect(!PasswordHasher.verify("correct horsf", against: legacy))
    }

    @Test func refreshTokensRotateAndReuseRevokesTheFamily() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let (_, agent, _, _) = try await Self.setUp(broker)
        #expect(broker.accounts.authenticate(login: "ALICE@shop.example", password: "correct horse", site: nil)?.id == agent.id)
        #expect(broker.accounts.authenticate(login: "alice", password: "wrong", site: nil) == nil)
        let first = try await broker.accounts.issueRefreshToken(for: agent.id).token
        #expect(first.utf8.count >= 43)
        let (same, secondToken) = try await broker.accounts.rotate(first)
        let second = secondToken.token
        #expect(same.id == agent.id)
        let third = try await broker.accounts.rotate(second).refreshToken.token
        // Reusing a spent token revokes the family: even the newest token stops working.
        await #expect(throws: EngineError.self) { _ = try await broker.accounts.rotate(first) }
        await #expect(throws: EngineError.self) { _ = try await broker.accounts.rotate(third) }
        #expect(store.read { $0.refreshTokens.values.allSatisfy { !$0.tokenHash.contains("rt_") } })
        // Logout revokes a fresh family too.
        let other = try await broker.accounts.issueRefreshToken(for: agent.id).token
        try await broker.accounts.revoke(other)
        await #expect(throws: EngineError.self) { _ = try await broker.accounts.rotate(other) }
    }

    @Test func visitorSessionsResolveToTheirVisitor() async throws {
        let (store, broker) = try Self.makeBroker()
        defer { store.close() }
        let (_, _, visitor, _) = try await Self.setUp(broker)
        let token = try await broker.accounts.issueVisitorSession(for: visitor.id)
        #expect(broker.accounts.visitor(forSession: token)?.id == visitor.id)
        #expect(broker.accounts.visitor(forSession: token + "x") == nil)
    }
}

@Suite struct TypingStateTests {
    @Test func startsStopsAndExpires() {
        var state = TypingState(timeout: .seconds(6))
        let t0 = ContinuousClock.now
        let visitor = Participant.visitor(VisitorID(1))
        let started = state.start(visitor, now: t0)
        let restarted = state.start(visitor, now: t0 + .seconds(3))
        let early = state.expire(now: t0 + .seconds(8))
        let late = state.expire(now: t0 + .seconds(9))
        let stopped = state.stop(visitor)
        #expect(started)
        #expect(!restarted)
        #expect(early == [])
        #expect(late == [visitor])
        #expect(!stopped)
        #expect(state.nextDeadline == nil)
    }
}

@Suite struct AnalyticsTests {
    @Test func responseAndResolutionTimesComeFromTheHistory() throws {
        let t0 = Timestamp(milliseconds: 1_705_737_600_000)  // 2024-01-20T08:00:00Z
        func at(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: t0.milliseconds + seconds * 1000) }
        var state = ParleyState()
        var lsn: UInt64 = 0
        func apply(_ event: Event) throws {
            lsn += 1
            try state.apply(event, lsn: lsn)
        }
        let site = SiteID(1)
        let alice = AgentID(1)
        let bob = AgentID(2)
        try apply(.siteCreated(Site(id: site, name: "S", domain: "", publicKey: "pk", secretKey: "sk", createdAt: t0)))
        for agent in [alice, bob] {
            try apply(.agentCreated(Agent(id: agent, siteID: site, username: "a\(agent.rawValue)", email: "a\(agent.rawValue)@x.io", displayName: "", role: .agent, passwordHash: "", createdAt: t0)))
        }
        try apply(.visitorRegistered(Visitor(id: VisitorID(1), siteID: site, externalID: "v", name: "V", firstSeenAt: t0, lastSeenAt: t0)))
        try apply(.conversationOpened(Conversation(id: ConversationID(1), siteID: site, visitorID: VisitorID(1), createdAt: at(0))))
        try apply(.conversationOpened(Conversation(id: ConversationID(2), siteID: site, visitorID: VisitorID(1), createdAt: at(3600))))
        var messageID: UInt64 = 0
        func say(_ conversation: UInt64, _ seq: UInt64, _ sender: Sender, _ second: Int64) throws {
            messageID += 1
            try apply(.messageAppended(Message(id: MessageID(messageID), conversationID: ConversationID(conversation), seq: seq, sender: sender, content: "x", createdAt: at(second))))
        }
        // Conversation 1: visitor at 0 and 10, alice answers at 40 (40 s); visitor at 100, bob at 110 (10 s).
        try say(1, 1, .visitor(VisitorID(1)), 0)
        try say(1, 2, .visitor(VisitorID(1)), 10)
        try say(1, 3, .agent(alice), 40)
        try say(1, 4, .visitor(VisitorID(1)), 100)
        try say(1, 5, .agent(bob), 110)
        try apply(.conversationClosed(ConversationID(1), at: at(600)))
        let period = try #require(Analytics.Period(name: "month", now: at(7200)))
        let analytics = Analytics(state: state, site: site, cold: NoColdHistory())
        let dashboard = analytics.dashboard(period)
        #expect(dashboard.totalConversations == 2)
        #expect(dashboard.activeConversations == 1)
        #expect(dashboard.messagesSent == 5)
        #expect(dashboard.averageResponseSeconds == 25)
        #expect(dashboard.averageResolutionSeconds == 600)
        #expect(dashboard.conversationsByHour.map(\.hour) == [8, 9])
        let alicePerformance = analytics.performance(of: alice, period)
        #expect(alicePerformance.conversationsHandled == 1)
        #expect(alicePerformance.messagesSent == 1)
        #expect(alicePerformance.averageResponseSeconds == 40)
        #expect(alicePerformance.averageResolutionSeconds == 600)
        #expect(analytics.performance(of: bob, period).averageResponseSeconds == 10)
        #expect(Analytics.Period(name: "year") == nil)
        // "today" starts at midnight UTC.
        #expect(Analytics.Period(name: "today", now: at(7200))?.start.rfc3339 == "2024-01-20T00:00:00.000Z")
    }
}
