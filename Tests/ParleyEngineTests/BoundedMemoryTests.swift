@testable import ParleyEngine
import ParleyLog
import ParleyModel
import ParleyStorage
import ParleyTestSupport
import Testing

/// Issue 15's bounds: client message ids are deduplicated within a window, idle conversation
/// actors are dropped (and made again from the state without losing `seq` or dedupe).
@Suite struct BoundedMemoryTests {
    static func makeBroker(window: Int, idle: Duration) throws -> (EventStore, Broker) {
        let store = try EventStore.open(
            StorageConfiguration(dataDirectory: "/data", fsync: .always, fileSystem: CrashSimulatingFileSystem(), usesLockFile: false))
        var limits = EngineLimits()
        limits.dedupeWindow = window
        limits.actorIdleTimeout = idle
        return (store, Broker(store: store, limits: limits, passwords: PasswordHasher(cost: 4)))
    }

    @Test func theWindowKeepsTheNewestIdsOnly() {
        var window = RecentClientIDs(capacity: 3)
        for seq in 1...10 { window.insert("c\(seq)", .init(seq: UInt64(seq), lsn: UInt64(seq))) }
        #expect(window.count == 3)
        #expect(window["c7"] == nil && window["c8"]?.seq == 8 && window["c10"]?.seq == 10)
        window.insert("c9", .init(seq: 99, lsn: 99))
        #expect(window["c9"]?.seq == 99 && window.count == 3, "a repeated id replaces, evicts nothing")
    }

    @Test func leasesKeepAnActorAliveAndIdleOnesGo() {
        var table = ActorLeases<String>(idleTimeout: .seconds(60), sweepInterval: .seconds(10))
        let start = ContinuousClock.now
        let one = ConversationID(1), two = ConversationID(2), three = ConversationID(3)
        #expect(table.lease(one, now: start) { "a1" } == "a1")
        #expect(table.lease(two, now: start) { "a2" } == "a2")
        #expect(table.lease(one, now: start) { "other" } == "a1", "an existing actor is reused")
        table.release(one, now: start)
        table.release(two, now: start)
        // One lease of `one` is still out: only `two` may go, and only after the timeout.
        #expect(table.evictIdle(now: start + .seconds(59)) == 0)
        #expect(table.evictIdle(now: start + .seconds(61)) == 1)
        #expect(table.slots[one] != nil && table.slots[two] == nil)
        table.release(one, now: start + .seconds(61))
        // Making a new actor sweeps (at most every 10 s).
        _ = table.lease(three, now: start + .seconds(200)) { "a3" }
        #expect(table.count == 1 && table.slots[three] != nil)
        #expect(table.lease(ConversationID(4), now: start + .seconds(200)) { nil } == nil, "no such conversation")
    }

    @Test func anEvictedActorIsMadeAgainWhereItStopped() async throws {
        let (store, broker) = try Self.makeBroker(window: 4, idle: .zero)
        defer { store.close() }
        let (_, agent, visitor, conversation) = try await BrokerTests.setUp(broker)
        var first: [Message] = []
        for index in 0..<6 {
            first.append(
                try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m\(index)", clientMessageID: "c\(index)"), to: conversation.id).message)
        }
        #expect(broker.liveActors == 1)
        #expect(broker.evictIdleActors() == 1 && broker.liveActors == 0)
        // Made again from the state: seq goes on, the newest ids still dedupe.
        let retry = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m5", clientMessageID: "c5"), to: conversation.id)
        #expect(retry.duplicate && retry.message == first[5])
        let conflict = await #expect(throws: EngineError.self) {
            try await broker.send(MessageDraft(sender: .agent(agent.id), content: "other", clientMessageID: "c4"), to: conversation.id)
        }
        #expect(conflict?.code == .conflict)
        let next = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m6", clientMessageID: "c6"), to: conversation.id)
        #expect(next.message.seq == 7 && !next.duplicate)
        // Outside the window of 4 (c3…c6 are in it), c1 is no longer recognised: stored anew.
        let old = try await broker.send(MessageDraft(sender: .visitor(visitor.id), content: "m1", clientMessageID: "c1"), to: conversation.id)
        #expect(!old.duplicate && old.message.seq == 8)
    }

    @Test func anActorInUseIsNotEvicted() async throws {
        let (store, broker) = try Self.makeBroker(window: 8, idle: .zero)
        defer { store.close() }
        let (_, _, visitor, conversation) = try await BrokerTests.setUp(broker)
        // Many concurrent sends with evictions in between: seq stays gapless, one actor at a time.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for index in 0..<25 {
                        _ = try await broker.send(
                            MessageDraft(sender: .visitor(visitor.id), content: "w\(writer)-\(index)", clientMessageID: "w\(writer)-\(index)"),
                            to: conversation.id)
                        broker.evictIdleActors()
                    }
                }
            }
            try await group.waitForAll()
        }
        let seqs = store.read { $0.conversations[conversation.id]?.hotMessages.map(\.seq) ?? [] }
        #expect(seqs == Array(1...200))
    }
}
