import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyEngine
import ParleyModel
import ParleyServer
import Testing

/// Analysis (seed 004 §7) over HTTP: every field of the seed, who may ask, and a
/// conversation's aggregate.
@Suite struct NativeAnalysisTests {
    @Test func aMessageAndAConversation() async throws {
        try await APIFixture.withAPI { fixture, client in
            let (site, token, rivalToken, _) = try await fixture.shopRivalAndAgent(client)
            let analysed = try await client.call(
                .post, "/v1/analysis/message", json: ["message": "I'm interested in your premium plan but the price seems a bit high"],
                bearer: token)
            #expect(analysed.status == .ok)
            let data = analysed.data
            for field in ["suggested_reply", "interest_level", "conversion_percentage", "objection", "next_action", "sentiment", "intent", "keywords"] {
                #expect(data[field] != nil, "\(field)")
            }
            #expect(data["objection"] as? String == "Price concern" && data["sentiment"] as? String == "neutral")
            #expect((data["keywords"] as? [String])?.contains("premium plan") == true)
            let percentage = try #require(data["conversion_percentage"] as? Int)
            #expect((1...99).contains(percentage))

            let russian = try await client.call(.post, "/v1/analysis/message", json: ["message": "Где мой заказ? Курьер так и не приехал"], bearer: token)
            #expect(russian.data["intent"] as? String == "order_status" && russian.data["sentiment"] as? String == "negative")
            #expect(russian.data["language"] as? String == "ru" && (russian.data["suggested_reply"] as? String)?.contains("заказ") == true)
            #expect(russian.data["objection"] is NSNull)

            // A conversation: the customer's messages combined.
            let siteID = NativeID.format(site.id)
            let (_, session) = try await client.registerVisitor(site: siteID, id: "v-a")
            let opened = try await client.call(.post, "/v1/conversations", json: ["site_id": siteID, "visitor_id": "v-a"], visitor: session)
            let conversation = try #require(opened.data["id"] as? String)
            for text in ["Hi, I want to buy the business plan for my team", "But honestly it's too expensive for us", "Can I pay in installments?"] {
                _ = try await client.call(.post, "/v1/messages", json: ["conversation_id": conversation, "type": "text", "content": text], visitor: session)
            }
            let whole = try await client.call(.get, "/v1/analysis/conversation/\(conversation)", bearer: token)
            #expect(whole.status == .ok && whole.data["conversation_id"] as? String == conversation)
            #expect(whole.data["objections_raised"] as? [String] == ["Price concern"])
            #expect(whole.data["interest_level"] as? String == "High")
            #expect((whole.data["key_topics"] as? [String])?.isEmpty == false)
            #expect((whole.data["summary"] as? String)?.hasPrefix("3 customer messages") == true)
            #expect((whole.data["recommended_actions"] as? [String])?.isEmpty == false)

            // Who may ask.
            #expect(try await client.call(.get, "/v1/analysis/conversation/\(conversation)", bearer: rivalToken).status == .notFound)
            #expect(try await client.call(.post, "/v1/analysis/message", json: ["message": "hi"], visitor: session).status == .forbidden)
            #expect(try await client.call(.post, "/v1/analysis/message", json: ["message": "  "], bearer: token).status == .badRequest)
            let foreign = try await client.call(.post, "/v1/analysis/message", json: ["message": "hi", "conversation_id": conversation], bearer: rivalToken)
            #expect(foreign.status == .notFound)
        }
    }
}
