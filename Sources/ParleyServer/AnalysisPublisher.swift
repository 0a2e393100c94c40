import Foundation
import Metrics
import ParleyAI
import ParleyEngine
import ParleyHTTP
import ParleyModel
import ParleyRealtime
import ParleyStorage
import Synchronization

/// The native WebSocket's `analysis` event (seed 004): after a customer's text message, the
/// site's native agent sessions get `{type: "analysis", from: "visitor", conversation_id,
/// message_id, analysis}` with the message's analysis (as `POST /v1/analysis/message` answers).
///
/// Nothing of it runs on the commit path: `receive` (the log's flusher thread) returns at once
/// while no native agent session is open on the node, else picks the customer messages out and
/// starts a task; the task looks up the site and skips it when none of the site's native agents
/// is connected. The work is bounded: at most ``maxInFlight`` analyses at once, and
/// per site ``perSitePerMinute`` a minute (a token bucket: bursts up to that many, then 10 a
/// second); a message past either gets no event (counted in `parley_analysis_skipped_total`) —
/// at human typing rates that does not happen, under a load test it keeps analysis from taking
/// the CPU the messages need. `POST /v1/analysis/message` analyses any message on request.
final class AnalysisPublisher: BrokerSubscriber {
    static let maxInFlight = 2
    static let perSitePerMinute = 600
    private let budgets = Mutex(TokenBuckets())
    private let ai: AIService
    private let hub: Hub
    private let inFlight = Atomic<Int>(0)
    private let skipped = Counter(label: "parley_analysis_skipped_total")

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
        // No native agent on this node, no event to send: no task either (a task per commit
        // batch wakes a pool thread that takes the flusher's core on a busy server).
        guard hub.hasNativeAgents else { return }
        for case .committed(_, .messageAppended(let message)) in events {
            guard case .visitor = message.sender, message.contentType == .text else { continue }
            guard inFlight.add(1, ordering: .relaxed).newValue <= Self.maxInFlight else {
                inFlight.subtract(1, ordering: .relaxed)
                skipped.increment()
                continue
            }
            // Background priority: requests, acks and timers come first on the shared pool.
            Task(priority: .background) { [self] in
                defer { inFlight.subtract(1, ordering: .relaxed) }
                publish(message)
            }
        }
    }

    private func publish(_ message: Message) {
        guard let site = ai.broker.store.read({ $0.conversations[message.conversationID]?.conversation.siteID }),
            hub.hasNativeAgents(of: site)
        else { return }
        guard budgets.withLock({ $0.take("\(site.rawValue)", perMinute: Self.perSitePerMinute, now: .now) }) == nil else {
            skipped.increment()
            return
        }
        let frame = Frame(
            conversation_id: NativeID.format(message.conversationID), message_id: NativeID.format(message.id),
            analysis: MessageAnalysisBody.analyze(message.content, site: site, ai: ai))
        guard let json = try? String(decoding: JSONEncoder().encode(frame), as: UTF8.self) else { return }
        hub.sendToNativeAgents(of: message.conversationID, json: json)
    }
}
