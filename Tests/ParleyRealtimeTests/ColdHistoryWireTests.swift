import Foundation
import ParleyEngine
import ParleyHistory
import ParleyModel
import ParleyServer
import ParleyStorage
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Cold history over the wire (issue 16): every dialect's history pages and conversation views,
/// and a WebSocket resume, answer byte for byte the same before and after compaction moved
/// the conversation's older messages from RAM into a history file; a new message continues
/// the `seq`s.
@Suite struct ColdHistoryWireTests {
    /// A server whose compaction (run by the test) keeps each conversation's newest five in RAM.
    static func withServer(_ body: @Sendable (RealtimeFixture) async throws -> Void) async throws {
        try await RealtimeFixture.withServer(configure: { configuration in
            configuration.compaction = CompactionPolicy(keepNewest: 5, minimumMessages: 1)
            configuration.compactionEverySeconds = 0
        }, body)
    }

    /// A visitor opens a conversation over REST: its native id, id, visitor and session token.
    static func open(_ fixture: RealtimeFixture, visitor externalID: String) async throws
        -> (native: String, id: ConversationID, visitor: VisitorID, token: String)
    {
        let token = try await fixture.visitor(externalID, name: "Vera")
        let opened = try await FiveDialectsTests.call(
            fixture, "POST", "/v1/conversations", json: ["site_id": fixture.siteID, "visitor_id": externalID], visitor: token)
        let native = try #require((opened.json["data"] as? [String: Any])?["id"] as? String)
        let id = try #require(NativeID.parse(native, as: ConversationID.self))
        return (native, id, try #require(fixture.server.broker.conversation(id)?.visitorID), token)
    }

    @Test func everyDialectReadsColdHistoryAsBefore() async throws {
        try await Self.withServer { fixture in
            let broker = fixture.server.broker
            let (native, id, visitor, visitorToken) = try await Self.open(fixture, visitor: "v-cold")
            for index in 1...60 {
                let sender: Sender = index % 3 == 0 ? .agent(fixture.owner.id) : .visitor(visitor)
                _ = try await broker.send(MessageDraft(sender: sender, content: "message \(index)"), to: id)
            }
            _ = try await broker.markRead(id, reader: .agent(fixture.owner.id), through: 12)
            let all = try broker.messages(id, page: .newest(limit: 100)).messages
            let uuid = OmniID.format(id)
            let reads = [
                "/v1/messages?conversation_id=\(native)&limit=20",
                "/v1/messages?conversation_id=\(native)&limit=20&before=\(NativeID.format(all[30].id))",
                "/v1/messages?conversation_id=\(native)&limit=7&before=\(NativeID.format(all[3].id))",
                "/v1/messages?conversation_id=\(native)&limit=20&after=\(NativeID.format(all[1].id))",
                "/v1/messages?conversation_id=\(native)&limit=100&after=\(NativeID.format(all[40].id))",
                "/v1/conversations/\(native)",
                "/v1/conversations?site_id=\(fixture.siteID)",
                "/api/v1/conversations/\(uuid)/messages?limit=100",
                "/api/v1/conversations/\(uuid)/messages?limit=10&before=\(all[25].createdAt.rfc3339)",
                "/api/v1/conversations/\(uuid)",
                "/api/v1/conversations",
                "/v1/chats/\(id.rawValue)/messages",
                "/api/shared/v1/chats/\(id.rawValue)",
            ]
            func answers() async throws -> [String] {
                var bodies: [String] = []
                for path in reads {
                    let answer = try await FiveDialectsTests.call(fixture, "GET", path)
                    #expect(answer.status == 200, "\(path)")
                    let body = try JSONSerialization.data(withJSONObject: answer.json, options: [.sortedKeys])
                    bodies.append(path + " " + String(decoding: body, as: UTF8.self))
                }
                return bodies
            }
            let before = try await answers()

            let added = try #require(try await fixture.server.store.compactHistory(now: .now()))
            #expect(added.moves.map(\.through) == [55])
            #expect(fixture.server.store.read { $0.conversations[id]?.hotMessages.count } == 5)
            let after = try await answers()
            for (was, now) in zip(before, after) { #expect(was == now) }

            // The native socket resumes from seq 0 and gets all sixty, cold ones first, in order.
            let socket = try await fixture.agentSocket()
            await socket.send(["type": "resume", "positions": [native: 0]])
            var seqs: [Int] = []
            var recovered: Bool?
            while recovered == nil, let frame = await socket.next(timeout: .seconds(5)) {
                switch frame["type"] as? String {
                case "message": if let seq = (frame["message"] as? [String: Any])?["seq"] as? Int { seqs.append(seq) }
                case "resumed": recovered = frame["recovered"] as? Bool
                default: break
                }
            }
            #expect(recovered == true)
            #expect(seqs == Array(1...60))

            // A new message continues the seqs and is carried live.
            let written = try await FiveDialectsTests.call(
                fixture, "POST", "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "message 61"],
                visitor: visitorToken)
            #expect((written.json["data"] as? [String: Any])?["seq"] as? Int == 61)
            let live = await socket.next("message")
            #expect((live?["message"] as? [String: Any])?["seq"] as? Int == 61)

            // The visitor marks read through a cold message, by its id; the agent's receipt names it.
            let read = try await FiveDialectsTests.call(
                fixture, "POST", "/v1/messages/read", json: ["conversation_id": native, "message_ids": [NativeID.format(all[19].id)]],
                visitor: visitorToken)
            #expect(read.status == 200 && (read.json["data"] as? [String: Any])?["read_through_seq"] as? Int == 20)
            let receipt = await socket.next("read")
            #expect(receipt?["seq"] as? Int == 20 && receipt?["message_id"] as? String == NativeID.format(all[19].id))
            await socket.close()
        }
    }

    @Test func aHistoryFileDamagedWhileServingIsA503AndNewerMessagesStillWork() async throws {
        try await Self.withServer { fixture in
            let broker = fixture.server.broker
            let (native, id, visitor, visitorToken) = try await Self.open(fixture, visitor: "v-damaged")
            for index in 1...30 { _ = try await broker.send(MessageDraft(sender: .visitor(visitor), content: "m\(index)"), to: id) }
            let added = try #require(try await fixture.server.store.compactHistory(now: .now()))
            // The disk damages the first block after the start checked the file.
            let path = fixture.server.store.history.directory + "/" + HistoryFileFormat.fileName(number: added.number)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[HistoryFileFormat.headerSize + 20] ^= 0xff
            try bytes.write(to: URL(fileURLWithPath: path))

            let native50 = try await FiveDialectsTests.call(fixture, "GET", "/v1/messages?conversation_id=\(native)&limit=50")
            #expect(native50.status == 503)
            #expect((native50.json["error"] as? [String: Any])?["code"] as? String == "HISTORY_UNAVAILABLE")
            let omni = try await FiveDialectsTests.call(fixture, "GET", "/api/v1/conversations/\(OmniID.format(id))/messages?limit=100")
            #expect(omni.status == 503 && omni.json["code"] as? String == "HISTORY_UNAVAILABLE")
            // The hot part and writes are untouched.
            let newest = try await FiveDialectsTests.call(fixture, "GET", "/v1/messages?conversation_id=\(native)&limit=5")
            #expect(newest.status == 200)
            let written = try await FiveDialectsTests.call(
                fixture, "POST", "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "m31"], visitor: visitorToken)
            #expect(written.status == 201 && (written.json["data"] as? [String: Any])?["seq"] as? Int == 31)
        }
    }
}
