import NIOCore
import ParleyModel
import ParleyRedis
import ParleyStorage
import ParleyTestSupport
import Testing

/// The apply half of a cluster node against a real `redis-server`: records written through the
/// `append` script by three writers, followed by two nodes, give both the same state, with the
/// ids and `seq`s the script chose (docs/SCALING.md).
@Suite(.serialized) struct ClusterFollowerTests {
    private let now = Timestamp(milliseconds: 1_700_000_000_000)

    private func message(_ text: String, in conversation: ConversationID, clientID: String? = nil) -> Event {
        // Sent with zeros where the script decides.
        .messageAppended(
            Message(
                id: MessageID(0), conversationID: conversation, seq: 0, sender: .visitor(VisitorID(1)), content: text,
                clientMessageID: clientID, createdAt: now))
    }

    @Test func twoFollowersOfOneLogHoldTheSameState() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let writers = (0..<3).map { _ in RedisLog(client: RedisClient(configuration: server.configuration)) }
        let site = Site(id: SiteID(1), name: "Shop", domain: "https://shop.example", publicKey: "pk_1", secretKey: "sk_1", createdAt: now)
        let visitor = Visitor(id: VisitorID(1), siteID: SiteID(1), externalID: "v-1", name: "Vera", firstSeenAt: now, lastSeenAt: now)
        _ = try await writers[0].append(RedisLogRecord(event: .siteCreated(site)))
        _ = try await writers[0].append(RedisLogRecord(event: .visitorRegistered(visitor)))
        var conversations: [ConversationID] = []
        for _ in 0..<2 {
            let opening = Conversation(id: ConversationID(0), siteID: SiteID(1), visitorID: VisitorID(1), createdAt: now)
            guard case .appended(_, let fill) = try await writers[0].append(RedisLogRecord(event: .conversationOpened(opening))) else {
                Issue.record("the opening was not appended")
                return
            }
            conversations.append(ConversationID(fill.id))
        }
        #expect(conversations == [ConversationID(1), ConversationID(2)])
        let opened = conversations
        // Three writers at once, into both conversations; one repeats a client message id.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, writer) in writers.enumerated() {
                group.addTask {
                    for number in 0..<20 {
                        _ = try await writer.append(RedisLogRecord(event: self.message("w\(index)-\(number)", in: opened[number % 2])))
                    }
                    _ = try await writer.append(RedisLogRecord(event: self.message("same", in: opened[0], clientID: "c-1")))
                }
            }
            try await group.waitForAll()
        }
        let last = try await writers[0].lastLSN()
        #expect(last == 4 + 60 + 1)  // one "same" was appended, two were answered as repeats

        let followers = (0..<2).map { _ in
            ClusterFollower(tail: RedisLogTail(client: RedisClient(configuration: server.configuration), after: 0, block: .milliseconds(200)))
        }
        for follower in followers {
            while follower.tail.applied < last { try await follower.step() }
        }
        let states = followers.map { follower in follower.read { state in StateCodec.encode(state) } }
        #expect(states[0] == states[1])
        followers[0].read { state in
            #expect(state.appliedLSN == last)
            for conversation in conversations {
                let log = state.conversations[conversation]
                #expect(log?.lastSeq == (conversation == conversations[0] ? 31 : 30))
                let seqs = log?.hotMessages.map(\.seq) ?? []
                #expect(seqs == (1...UInt64(seqs.count)).map { $0 })
            }
            let ids = conversations.flatMap { state.conversations[$0]?.hotMessages.map(\.id.rawValue) ?? [] }
            #expect(Set(ids).count == 61 && ids.allSatisfy { (1...61).contains($0) })
        }
        for writer in writers { await writer.client.shutdown() }
        for follower in followers { await follower.tail.client.shutdown() }
    }
}
