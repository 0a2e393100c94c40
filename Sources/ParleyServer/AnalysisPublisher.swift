import Foundation
import ParleyAI
import ParleyEngine
import ParleyModel
import ParleyRealtime
import ParleyStorage

/// The native WebSocket's `analysis` event (seed 004): after a customer's text message, the
/// site's native agent sessions get `{type: "analysis", from: "visitor", conversation_id,
/// message_id, analysis}` with the message's analysis (as `POST /v1/analysis/message` answers).
/// Made in a task off the fan-out, and only while the site has a native agent connected: a
/// site nobody watches costs nothing.
final class AnalysisPublisher: BrokerSubscriber {
    private let ai: AIService
    private let hub: Hub

    init(ai: AIService, hub: Hub) {
        self.ai = ai
        self.hub = hub
    }

    struct Frame: Encodable {
        var type = "analysis"
        var from = "visitor"
        var conversation_id: String
        var message_id: String
        var analysis: MessageAnalysisBody
    }

    func receive(_ events: [BrokerEvent]) {
        for case .committed(_, .messageAppended(let message)) in events {
            guard case .visitor = message.sender, message.contentType == .text,
                let site = ai.broker.store.read({ $0.conversations[message.conversationID]?.conversation.siteID }),
                hub.hasNativeAgents(of: site)
            else { continue }
            Task { [ai, hub] in
                let frame = Frame(
                    conversation_id: NativeID.format(message.conversationID), message_id: NativeID.format(message.id),
                    analysis: ai.analyze(message.content, site: site))
                guard let json = try? String(decoding: JSONEncoder().encode(frame), as: UTF8.self) else { return }
                hub.sendToNativeAgents(of: message.conversationID, json: json)
            }
        }
    }
}
