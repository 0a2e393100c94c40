import Foundation
import ParleyEngine
import ParleyHistory
import ParleyModel
import ParleyServer
import ParleyStorage
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Erasure and retention over the wire (issue 16), against a real server with its maintenance
/// run every second: an owner erases a visitor; its socket closes with 4001, its token is
/// refused, its messages are gone from every dialect — and from every file of the data
/// directory within the documented time (one maintenance interval plus the run).
@Suite struct ErasureWireTests {
    static let interval = 1

    @Test func anOwnerErasesAVisitorAndTheBytesLeaveTheDisk() async throws {
        try await RealtimeFixture.withServer(configure: { configuration in
            configuration.compaction = CompactionPolicy(keepNewest: 3, minimumMessages: 1)
            configuration.compactionEverySeconds = Self.interval
        }) { fixture in
            let marker = "WIRE\(UUID().uuidString.prefix(8))"
            let broker = fixture.server.broker
            let directory = fixture.server.store.configuration.dataDirectory
            let (native, id, visitor, token) = try await ColdHistoryWireTests.open(fixture, visitor: "v-\(marker)")
            for index in 1...20 {
                let sender: Sender = index % 2 == 0 ? .agent(fixture.owner.id) : .visitor(visitor)
                _ = try await broker.send(MessageDraft(sender: sender, content: "\(marker) \(index)"), to: id)
            }
            // A plain agent may not erase; neither may the visitor; an unknown visitor is 404.
            _ = try await broker.directory.createAgent(
                site: fixture.site.id, username: "bob", email: "bob@shop.example", password: "correct horse", role: .agent)
            let agentToken = try await Self.login(fixture, "bob")
            let path = "/v1/visitors/\(NativeID.format(visitor))"
            #expect(try await FiveDialectsTests.call(fixture, "DELETE", path, bearer: agentToken).status == 403)
            #expect(try await FiveDialectsTests.call(fixture, "DELETE", path, visitor: token).status == 403)
            #expect(try await FiveDialectsTests.call(fixture, "DELETE", "/v1/visitors/visitor_9999").status == 404)
            // The messages reached the disk (and the maintenance run may have moved some into a history file).
            #expect(!DataDirectoryScan.rawHits(marker, in: directory).isEmpty)

            let socket = try await fixture.visitorSocket("v-\(marker)", token: token)
            let erased = try await FiveDialectsTests.call(fixture, "DELETE", path)
            let started = ContinuousClock.now
            #expect(erased.status == 200)
            let data = try #require(erased.json["data"] as? [String: Any])
            #expect(data["erased"] as? Bool == true && data["messages"] as? Int == 20 && data["conversations"] as? Int == 1)
            #expect(data["disk_cleared_within_seconds"] as? Int == Self.interval)
            #expect(await socket.closeCode() == 4001)
            // The token is void; the history is empty in every dialect that shows it.
            #expect(try await FiveDialectsTests.call(fixture, "GET", "/v1/messages?conversation_id=\(native)", visitor: token).status == 401)
            let page = try await FiveDialectsTests.call(fixture, "GET", "/v1/messages?conversation_id=\(native)&limit=100")
            #expect(page.status == 200 && ((page.json["data"] as? [String: Any])?["messages"] as? [Any])?.isEmpty == true)
            let omni = try await FiveDialectsTests.call(fixture, "GET", "/api/v1/conversations/\(OmniID.format(id))/messages?limit=100")
            #expect(omni.status == 200 && (omni.json["data"] as? [Any])?.isEmpty == true)
            let chats = try await FiveDialectsTests.call(fixture, "GET", "/v1/chats/\(id.rawValue)/messages")
            #expect(chats.status == 200 && !String(describing: chats.json).contains(marker))

            // Gone from every file of the data directory within one interval plus the run.
            while !DataDirectoryScan.rawHits(marker, in: directory).isEmpty, ContinuousClock.now - started < .seconds(30) {
                try await Task.sleep(for: .milliseconds(50))
            }
            let took = ContinuousClock.now - started
            print("erasure: the marker's bytes left every file of the data directory \(took) after the request")
            #expect(DataDirectoryScan.rawHits(marker, in: directory) == [])
            #expect(try DataDirectoryScan.decodedHits(marker, in: directory) == [])
            #expect(took < .seconds(Self.interval) + .seconds(5), "bytes left the disk after \(took)")
            // Erasing again is harmless.
            #expect(try await FiveDialectsTests.call(fixture, "DELETE", path).status == 200)
        }
    }

    @Test func ownersSetTheRetentionPeriodAndOthersReadIt() async throws {
        try await RealtimeFixture.withServer { fixture in
            let path = "/v1/sites/\(fixture.siteID)/retention"
            let initial = try await FiveDialectsTests.call(fixture, "GET", path)
            #expect(initial.status == 200)
            #expect((initial.json["data"] as? [String: Any])?["days"] as? Int == 0)
            #expect((initial.json["data"] as? [String: Any])?["updated_at"] is NSNull)
            let set = try await FiveDialectsTests.call(fixture, "PUT", path, json: ["days": 30])
            #expect(set.status == 200 && (set.json["data"] as? [String: Any])?["days"] as? Int == 30)
            #expect(fixture.server.store.read { $0.retention.policies[fixture.site.id]?.days } == 30)
            for bad: [String: Any] in [["days": -1], ["days": 40_000], ["days": "thirty"], [:]] {
                let refused = try await FiveDialectsTests.call(fixture, "PUT", path, json: bad)
                #expect(refused.status == 400 && (refused.json["error"] as? [String: Any])?["code"] as? String == "VALIDATION_ERROR")
            }
            _ = try await fixture.server.broker.directory.createAgent(
                site: fixture.site.id, username: "bob", email: "bob@shop.example", password: "correct horse", role: .agent)
            let agentToken = try await Self.login(fixture, "bob")
            #expect(try await FiveDialectsTests.call(fixture, "PUT", path, json: ["days": 1], bearer: agentToken).status == 403)
            let read = try await FiveDialectsTests.call(fixture, "GET", path, bearer: agentToken)
            #expect(read.status == 200 && (read.json["data"] as? [String: Any])?["days"] as? Int == 30)
            #expect(try await FiveDialectsTests.call(fixture, "GET", "/v1/sites/site_999/retention").status == 404)
        }
    }

    static func login(_ fixture: RealtimeFixture, _ username: String) async throws -> String {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(fixture.port)/v1/auth/support/login")!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: ["username": username, "password": "correct horse"])
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (body, _) = try await URLSession.shared.data(for: request)
        let json = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        return try #require((json?["data"] as? [String: Any])?["token"] as? String)
    }
}
