import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

/// The omni team (seed 003, CONTRACT §7) over HTTP: invite → accept → login → role change,
/// the role rules, single-use invites, and other tenants kept out.
@Suite struct OmniTeamTests {
    typealias Omni = OmniConversationTests.Omni

    static func omni(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, json: Any? = nil, bearer: String? = nil
    ) async throws -> Omni {
        try await OmniConversationTests.omni(client, method, path, json: json, bearer: bearer)
    }

    @Test func inviteAcceptLoginAndRoleChanges() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (_, owner) = try await fixture.makeTenant("shop")
            let (ownerToken, _) = try await client.login("owner-shop")
            let invited = try await Self.omni(
                client, .post, "/team/invite", json: ["email": "bob@shop.example", "name": "Bob", "departments": ["billing"]],
                bearer: ownerToken)
            #expect(invited.status == .created)
            #expect(invited.data["role_id"] as? String == "agent")
            let inviteToken = try #require(invited.data["invite_token"] as? String)
            #expect(invited.data["expires_at"] is String)

            var team = try await Self.omni(client, .get, "/team", bearer: ownerToken)
            #expect(team.items.count == 2)
            let pending = try #require(team.items.last)
            #expect(pending["id"] is NSNull && pending["invite_pending"] as? Bool == true && pending["status"] as? String == "invited")
            #expect(team.items.first?["role_id"] as? String == "owner")

            let accepted = try await Self.omni(
                client, .post, "/auth/accept-invite", json: ["invite_token": inviteToken, "password": "bobs password"])
            #expect(accepted.status == .created)
            let bobToken = try #require(accepted.data["access_token"] as? String)
            #expect(try await Self.omni(client, .get, "/conversations", bearer: bobToken).status == .ok)
            let again = try await Self.omni(
                client, .post, "/auth/accept-invite", json: ["invite_token": inviteToken, "password": "another one"])
            #expect(again.status == .unauthorized, "single use")
            team = try await Self.omni(client, .get, "/team", bearer: ownerToken)
            let bob = try #require(team.items.first { $0["email"] as? String == "bob@shop.example" })
            #expect(bob["invite_pending"] as? Bool == false && bob["role_id"] as? String == "agent")
            #expect(bob["departments"] as? [String] == ["billing"] && bob["name"] as? String == "Bob")
            let bobID = try #require(bob["id"] as? String)
            // The new member logs in through both dialects.
            #expect(try await client.call(.post, "/api/v1/auth/login", json: ["email": "bob@shop.example", "password": "bobs password"]).status == .ok)
            _ = try await client.login("bob@shop.example", password: "bobs password")

            // An agent changes no role and invites nobody.
            #expect(try await Self.omni(client, .put, "/team/\(bobID)/role", json: ["role_id": "admin"], bearer: bobToken).status == .forbidden)
            #expect(try await Self.omni(client, .post, "/team/invite", json: ["email": "eve@shop.example"], bearer: bobToken).status == .forbidden)

            let promoted = try await Self.omni(client, .put, "/team/\(bobID)/role", json: ["role_id": "admin"], bearer: ownerToken)
            #expect(promoted.status == .ok && promoted.data["role_id"] as? String == "admin")
            // An admin neither makes nor unmakes owners, but invites agents and admins.
            let ownerID = OmniID.format(owner.id)
            #expect(try await Self.omni(client, .put, "/team/\(bobID)/role", json: ["role_id": "owner"], bearer: bobToken).status == .forbidden)
            #expect(try await Self.omni(client, .put, "/team/\(ownerID)/role", json: ["role_id": "agent"], bearer: bobToken).status == .forbidden)
            #expect(try await Self.omni(client, .post, "/team/invite", json: ["email": "eve@shop.example", "role_id": "owner"], bearer: bobToken).status == .forbidden)
            #expect(try await Self.omni(client, .post, "/team/invite", json: ["email": "eve@shop.example"], bearer: bobToken).status == .created)

            // The last owner stays; with a second owner, the first may step down.
            let lastOwner = try await Self.omni(client, .put, "/team/\(ownerID)/role", json: ["role_id": "admin"], bearer: ownerToken)
            #expect(lastOwner.status == .conflict)
            #expect(try await Self.omni(client, .put, "/team/\(bobID)/role", json: ["role_id": "owner"], bearer: ownerToken).status == .ok)
            #expect(try await Self.omni(client, .put, "/team/\(ownerID)/role", json: ["role_id": "admin"], bearer: ownerToken).status == .ok)
            let roles = try await Self.omni(client, .get, "/team", bearer: bobToken).items.compactMap { $0["role_id"] as? String }
            #expect(roles.filter { $0 == "owner" }.count == 1)
        }
    }

    @Test func invitesAreValidatedReplacedAndKeptToTheirSite() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (_, owner) = try await fixture.makeTenant("shop")
            _ = try await fixture.makeTenant("rival")
            let (ownerToken, _) = try await client.login("owner-shop")
            let (rivalToken, _) = try await client.login("owner-rival")
            for body: [String: Any] in [["email": "not-an-email"], ["email": "x@shop.example", "role_id": "boss"], [:],
                                        ["email": "x@shop.example", "departments": [String(repeating: "d", count: 65)]]] {
                #expect(try await Self.omni(client, .post, "/team/invite", json: body, bearer: ownerToken).status == .unprocessableContent, "\(body)")
            }
            let member = try await Self.omni(client, .post, "/team/invite", json: ["email": "owner@rival.example"], bearer: ownerToken)
            #expect(member.status == .conflict, "already a member of a team")

            // Inviting again replaces the first invite.
            let first = try await Self.omni(client, .post, "/team/invite", json: ["email": "carol@shop.example"], bearer: ownerToken)
            let second = try await Self.omni(client, .post, "/team/invite", json: ["email": "carol@shop.example", "role_id": "admin"], bearer: ownerToken)
            let firstToken = try #require(first.data["invite_token"] as? String)
            let secondToken = try #require(second.data["invite_token"] as? String)
            #expect(try await Self.omni(client, .get, "/team", bearer: ownerToken).items.filter { $0["invite_pending"] as? Bool == true }.count == 1)
            #expect(try await Self.omni(client, .post, "/auth/accept-invite", json: ["invite_token": firstToken, "password": "carols password"]).status == .unauthorized)
            #expect(try await Self.omni(client, .post, "/auth/accept-invite", json: ["invite_token": secondToken, "password": "short"]).status == .unprocessableContent)
            #expect(try await Self.omni(client, .post, "/auth/accept-invite", json: ["invite_token": "inv_nothing", "password": "carols password"]).status == .unauthorized)

            // Two accepts of one token at once: exactly one account.
            let results = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await Self.omni(client, .post, "/auth/accept-invite", json: ["invite_token": secondToken, "password": "carols password"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 == .created }.count == 1, "\(results)")
            let carol = try #require(try await Self.omni(client, .get, "/team", bearer: ownerToken).items.first { $0["email"] as? String == "carol@shop.example" })
            #expect(carol["role_id"] as? String == "admin")

            // Another site's owner sees none of it and changes nothing.
            let carolID = try #require(carol["id"] as? String)
            #expect(try await Self.omni(client, .put, "/team/\(carolID)/role", json: ["role_id": "agent"], bearer: rivalToken).status == .notFound)
            #expect(try await Self.omni(client, .get, "/team", bearer: rivalToken).items.allSatisfy { $0["email"] as? String != "carol@shop.example" })
            #expect(try await Self.omni(client, .put, "/team/user_1/role", json: ["role_id": "agent"], bearer: ownerToken).status == .unprocessableContent)
            #expect(try await Self.omni(client, .put, "/team/\(OmniID.format(owner.id))/role", json: ["role_id": "chief"], bearer: ownerToken).status == .unprocessableContent)
        }
    }

    @Test func anInviteExpiresAfterSevenDays() {
        let now = Timestamp(milliseconds: 1_800_000_000_000)
        let invite = Invite(
            tokenHash: "h", siteID: SiteID(1), email: "a@b.example", name: "", role: .agent, departments: [], invitedBy: nil,
            createdAt: now, expiresAt: Timestamp(milliseconds: now.milliseconds + Invite.lifetime))
        let team = TeamState(invites: [invite])
        #expect(team.openInvite("h", at: Timestamp(milliseconds: now.milliseconds + Invite.lifetime - 1)) != nil)
        #expect(team.openInvite("h", at: Timestamp(milliseconds: now.milliseconds + Invite.lifetime)) == nil)
        #expect(team.pending(site: SiteID(1), at: Timestamp(milliseconds: now.milliseconds + Invite.lifetime)).isEmpty)
    }
}
