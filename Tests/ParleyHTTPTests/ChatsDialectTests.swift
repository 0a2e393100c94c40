import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyEngine
import ParleyModel
import ParleyServer
import ParleyStorage
import Testing

/// The chats dialect (seed 002) over HTTP: support conversations as personal chats, group
/// chats of agents (members only), archive, the list's filters and signed cursor, its error
/// body, and tenant isolation.
@Suite struct ChatsDialectTests {
    static let base = "/api/shared/v1/chats"

    @Test func personalAndGroupChats() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let (_, rivalOwner) = try await fixture.makeTenant("rival")
            let (token, _) = try await client.login("owner-shop")
            let (rivalToken, _) = try await client.login("owner-rival")
            let bob = try await fixture.server.broker.directory.createAgent(
                site: site.id, username: "bob", email: "bob@shop.example", password: "correct horse", role: .agent)
            _ = try await fixture.server.broker.directory.createAgent(
                site: site.id, username: "carol", email: "carol@shop.example", password: "correct horse", role: .agent)
            let (bobToken, _) = try await client.login("bob")
            let (carolToken, _) = try await client.login("carol")
            let siteID = NativeID.format(site.id)
            let (_, session) = try await client.registerVisitor(site: siteID, id: "v1", name: "Vera")
            let opened = try await client.call(
                .post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v1", "subject": "Refund"], visitor: session)
            let nativeSupport = try #require(opened.data["id"] as? String)
            let support = try #require(NativeID.parse(nativeSupport, as: ConversationID.self)).rawValue

            // The support conversation is a personal chat of every agent of the site.
            let personal = try await client.call(.get, "\(Self.base)/\(support)", bearer: carolToken)
            #expect(personal.status == .ok)
            #expect(personal.data["personal"] as? Bool == true && personal.data["name"] as? String == "Refund")
            #expect(personal.data["status"] as? String == "open" && personal.data["archived"] as? Bool == false)
            #expect(personal.data["owner_id"] is NSNull && personal.data["meet_room_url"] is NSNull)
            #expect(personal.data["group_tag_ids"] as? [Int] == [] && personal.data["channel"] as? Bool == false)

            // A group chat: the caller owns it and is a member.
            let made = try await client.call(
                .post, Self.base, json: ["chat": ["name": "Night shift", "member_ids": [Int(bob.id.rawValue)], "channel": true]], bearer: token)
            #expect(made.status == .created)
            let group = try #require(made.data["id"] as? Int)
            #expect(made.data["personal"] as? Bool == false && made.data["public"] as? Bool == false)
            #expect(made.data["channel"] as? Bool == true && made.data["status"] as? String == "open")
            #expect(made.data["owner_id"] as? Int == Int(owner.id.rawValue))
            #expect(made.data["member_ids"] as? [Int] == [Int(owner.id.rawValue), Int(bob.id.rawValue)])
            #expect(made.data["created_at"] as? String == made.data["last_message_at"] as? String)

            // Members only: carol neither lists nor reads it; bob does.
            func ids(_ query: String, _ bearer: String) async throws -> [Int] {
                let page = try await client.call(.get, "\(Self.base)\(query)", bearer: bearer)
                #expect(page.status == .ok, "\(query)")
                return (page.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            }
            #expect(try await ids("", bobToken) == [group, Int(support)])
            #expect(try await ids("", carolToken) == [Int(support)])
            #expect(try await ids("?availability=public", carolToken) == [])
            #expect(try await client.call(.get, "\(Self.base)/\(group)", bearer: carolToken).status == .notFound)
            #expect(try await ids("?personal=true", token) == [Int(support)])
            #expect(try await ids("?personal=false", token) == [group])
            #expect(try await ids("?sort[id]=asc", token) == [Int(support), group])
            #expect(try await ids("?sort%5Bid%5D=asc", token) == [Int(support), group])

            // Messages go into a group chat like into any conversation, for members only.
            let native = NativeID.format(ConversationID(UInt64(group)))
            let sent = try await client.call(
                .post, "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "Who takes the queue?"], bearer: bobToken)
            #expect(sent.status == .created && sent.data["seq"] as? Int == 1)
            #expect(
                try await client.call(
                    .post, "/v1/messages", json: ["conversation_id": native, "type": "text", "content": "Me?"], bearer: carolToken
                ).status == .notFound)
            let history = try await client.call(.get, "/v1/messages?conversation_id=\(native)", bearer: token)
            #expect((history.data["messages"] as? [[String: Any]])?.map { $0["content"] as? String } == ["Who takes the queue?"])
            let touched = try await client.call(.get, "\(Self.base)/\(group)", bearer: bobToken)
            #expect(touched.data["last_message_at"] as? String == sent.data["created_at"] as? String)
            #expect(try await ids("?sort[last_message_at]=desc", token) == [group, Int(support)])
            // The support dialects do not show a group chat.
            #expect(try await client.call(.get, "/v1/conversations/\(native)", bearer: token).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/conversations/\(OmniID.format(ConversationID(UInt64(group))))", bearer: token).status == .notFound)
            #expect(try await client.call(.get, "/v1/chats/\(group)/messages", bearer: token).status == .notFound)
            let nativeList = try await client.call(.get, "/v1/conversations?site_id=\(siteID)", bearer: token)
            #expect((nativeList.data["conversations"] as? [[String: Any]])?.count == 1)

            // Renaming and opening it up: the owner or an admin, not another member.
            let rename: [String: Any] = ["chat": ["name": "Night shift (EU)", "public": true]]
            #expect(try await client.call(.put, "\(Self.base)/\(group)", json: rename, bearer: bobToken).status == .forbidden)
            let renamed = try await client.call(.put, "\(Self.base)/\(group)", json: rename, bearer: token)
            #expect(renamed.status == .ok && renamed.data["name"] as? String == "Night shift (EU)" && renamed.data["public"] as? Bool == true)
            #expect(try await ids("?availability=public", carolToken) == [group])
            #expect(try await client.call(.get, "\(Self.base)/\(group)", bearer: carolToken).status == .ok)
            #expect(try await ids("", carolToken) == [Int(support)], "public is not membership")
            let personalRename = try await client.call(.put, "\(Self.base)/\(support)", json: ["chat": ["name": "X"]], bearer: token)
            #expect(personalRename.status == .badRequest && Self.errorKey(personalRename) == "chat")

            // Archive: out of the default list, into `archived=true`; twice changes nothing.
            for _ in 0..<2 {
                let archived = try await client.call(.put, "\(Self.base)/\(group)/archive", bearer: bobToken)
                #expect(archived.status == .noContent && archived.json.isEmpty)
            }
            #expect(try await ids("", token) == [Int(support)])
            #expect(try await ids("?archived=true", token) == [group])
            #expect(try await client.call(.get, "\(Self.base)/\(group)", bearer: token).data["archived"] as? Bool == true)
            #expect(try await client.call(.put, "\(Self.base)/\(group)/archive", bearer: carolToken).status == .forbidden)
            #expect(try await client.call(.put, "\(Self.base)/\(group)/unarchive", bearer: token).status == .noContent)
            #expect(try await ids("", token) == [group, Int(support)])
            #expect(try await client.call(.put, "\(Self.base)/\(support)/archive", bearer: carolToken).status == .noContent)
            #expect(try await ids("?archived=true&personal=true", token) == [Int(support)])

            // Closing the support conversation natively shows as `closed` here.
            _ = try await client.call(.patch, "/v1/conversations/conv_\(support)/close", json: [String: Any](), bearer: token)
            #expect(try await client.call(.get, "\(Self.base)/\(support)", bearer: token).data["status"] as? String == "closed")

            // Another tenant's chats are 404 on every object route; its users are not members.
            for (method, path) in [
                (HTTPRequest.Method.get, "\(group)"), (.put, "\(group)"), (.put, "\(group)/archive"), (.put, "\(group)/unarchive"),
                (.get, "\(support)"), (.put, "\(support)/archive"),
            ] {
                let probe = try await client.call(method, "\(Self.base)/\(path)", json: method == .put ? ["chat": ["name": "x"]] : nil, bearer: rivalToken)
                #expect(probe.status == .notFound, "\(method) \(path)")
                #expect(Self.errorCode(probe) == "NOT_FOUND")
            }
            #expect(try await ids("", rivalToken) == [])
            let stranger = try await client.call(
                .post, Self.base, json: ["chat": ["name": "Mixed", "member_ids": [Int(rivalOwner.id.rawValue)]]], bearer: token)
            #expect(stranger.status == .badRequest && Self.errorKey(stranger) == "member_ids")
            #expect((stranger.json["errors"] as? [[String: Any]])?.first?["value"] as? String == String(rivalOwner.id.rawValue))

            // Visitors have no chats; no credentials is a 401, in this dialect's body.
            #expect(try await client.call(.get, Self.base, visitor: session).status == .forbidden)
            let anonymous = try await client.call(.get, Self.base)
            #expect(anonymous.status == .unauthorized && Self.errorCode(anonymous) == "UNAUTHORIZED")
        }
    }

    @Test func badInputNamesTheField() async throws {
        try await APIFixture.withAPI { fixture, client in
            _ = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let bodies: [(Any, String)] = [
                ([String: Any](), "chat"), (["chat": "x"], "chat"), (["chat": [String: Any]()], "name"),
                (["chat": ["name": "  "]], "name"), (["chat": ["name": 7]], "name"),
                (["chat": ["name": String(repeating: "é", count: 200)]], "name"),
                (["chat": ["name": "A", "member_ids": ["x"]]], "member_ids"), (["chat": ["name": "A", "member_ids": [1.5]]], "member_ids"),
                (["chat": ["name": "A", "member_ids": [0]]], "member_ids"), (["chat": ["name": "A", "member_ids": 3]], "member_ids"),
                (["chat": ["name": "A", "public": "yes"]], "public"), (["chat": ["name": "A", "channel": 1]], "channel"),
                (["chat": ["name": "A", "group_tag_ids": [1]]], "group_tag_ids"),
            ]
            for (body, key) in bodies {
                let response = try await client.call(.post, Self.base, json: body, bearer: token)
                #expect(response.status == .badRequest, "\(body)")
                #expect(Self.errorKey(response) == key, "\(body)")
                #expect(Self.errorCode(response) == "VALIDATION_ERROR", "\(body)")
            }
            let notJSON = try await client.call(.post, Self.base, raw: "{", bearer: token)
            #expect(notJSON.status == .badRequest && Self.errorKey(notJSON) == "base")

            for (query, key) in [
                ("sort[id]=up", "sort[id]"), ("sort[name]=asc", "sort[name]"), ("sort[id]=asc&sort[last_message_at]=asc", "sort"),
                ("availability=all", "availability"), ("personal=maybe", "personal"), ("archived=1", "archived"),
                ("last_message_at_after=yesterday", "last_message_at_after"), ("last_message_at_before=2024-13-01", "last_message_at_before"),
                ("limit=0", "limit"), ("limit=51", "limit"), ("limit=x", "limit"), ("cursor=abc", "cursor"), ("cursor=", "cursor"),
            ] {
                let response = try await client.call(.get, "\(Self.base)?\(query)", bearer: token)
                #expect(response.status == .badRequest, "\(query)")
                #expect(Self.errorKey(response) == key, "\(query)")
            }
            for path in ["01", "-1", "abc", "conv_1", "99999999999999999999"] {
                let response = try await client.call(.get, "\(Self.base)/\(path)", bearer: token)
                #expect(response.status == .badRequest && Self.errorKey(response) == "id", "\(path)")
            }
            let nothing = try await client.call(.get, "\(Self.base)/0", bearer: token)
            #expect(nothing.status == .notFound && Self.errorKey(nothing) == "base")
        }
    }

    /// Paging by id while chats are being created: no chat twice, none skipped, and a cursor
    /// is good only for its own query and only as issued.
    @Test func pagingUnderConcurrentCreation() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, owner) = try await fixture.makeTenant("shop")
            let (token, _) = try await client.login("owner-shop")
            let broker = fixture.server.broker
            for index in 0..<30 {
                _ = try await broker.openGroupChat(site: site.id, owner: owner.id, name: "chat \(index)", members: [], isChannel: false, isPublic: false)
            }
            let existing = Set(broker.store.read { $0.groupChatsBySite[site.id] ?? [] }.map { Int($0.rawValue) })

            for direction in ["asc", "desc"] {
                let writers = Task {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for writer in 0..<4 {
                            group.addTask {
                                for index in 0..<10 {
                                    _ = try await broker.openGroupChat(
                                        site: site.id, owner: owner.id, name: "new \(direction) \(writer).\(index)", members: [],
                                        isChannel: false, isPublic: false)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                }
                var seen: [Int] = []
                var cursor: String?
                repeat {
                    let query = "sort[id]=\(direction)&limit=7" + (cursor.map { "&cursor=\($0)" } ?? "")
                    let page = try await client.call(.get, "\(Self.base)?\(query)", bearer: token)
                    #expect(page.status == .ok)
                    seen += (page.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                    cursor = ((page.json["meta"] as? [String: Any])?["paginate"] as? [String: Any])?["next_page"] as? String
                } while cursor != nil
                try await writers.value
                #expect(Set(seen).count == seen.count, "\(direction): a chat came twice")
                #expect(seen == (direction == "asc" ? seen.sorted() : seen.sorted(by: >)), "\(direction): out of order")
                #expect(existing.isSubset(of: Set(seen)), "\(direction): a chat that existed before paging was skipped")
                if direction == "asc", let last = seen.last {
                    // Every chat up to the last one shown was shown: creation never opens a gap.
                    let all = broker.store.read { $0.groupChatsBySite[site.id] ?? [] }.map { Int($0.rawValue) }
                    #expect(Set(seen) == Set(all.filter { $0 <= last }))
                }
            }

            // A cursor is tied to its query and to this server's key.
            let first = try await client.call(.get, "\(Self.base)?limit=5", bearer: token)
            let next = try #require(((first.json["meta"] as? [String: Any])?["paginate"] as? [String: Any])?["next_page"] as? String)
            #expect(try await client.call(.get, "\(Self.base)?limit=5&cursor=\(next)", bearer: token).status == .ok)
            let other = try await client.call(.get, "\(Self.base)?limit=5&sort[id]=asc&cursor=\(next)", bearer: token)
            #expect(other.status == .badRequest && Self.errorKey(other) == "cursor")
            var forged = Array(next)
            forged[2] = forged[2] == "A" ? "B" : "A"
            let tampered = try await client.call(.get, "\(Self.base)?limit=5&cursor=\(String(forged))", bearer: token)
            #expect(tampered.status == .badRequest && Self.errorKey(tampered) == "cursor")
        }
    }

    static func errorItem(_ response: Envelope) -> [String: Any]? { (response.json["errors"] as? [[String: Any]])?.first }
    static func errorKey(_ response: Envelope) -> String? { errorItem(response)?["key"] as? String }
    static func errorCode(_ response: Envelope) -> String? { errorItem(response)?["code"] as? String }
}
