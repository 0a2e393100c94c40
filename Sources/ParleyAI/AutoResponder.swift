import Foundation
public import Logging
public import ParleyEngine
public import ParleyModel
import ParleyStorage
import Synchronization

/// Answers customers by itself where a site asked for it (`auto_respond`): after a customer's
/// text message in a support conversation that no human agent is assigned to, it asks the
/// ``AIService`` and, when the answer's confidence reaches the site's threshold, sends it as
/// the site's bot agent through the conversation's actor, like any message (so it is logged,
/// ordered and fanned out; analytics count it as `from_ai`). Runs off the commit path: the
/// subscriber only starts a task. One answer at a time per conversation: messages that arrive
/// while one is being made are in the next one's context.
public final class AutoResponder: BrokerSubscriber {
    private let service: AIService
    private let logger: Logger
    private let busy = Mutex(Set<ConversationID>())

    /// Whether any site has `auto_respond` on: the per-message check on the commit path is
    /// this load, not a state read.
    private let anySiteResponds: Atomic<Bool>

    public init(service: AIService, logger: Logger = Logger(label: "parley.ai")) {
        self.service = service
        self.logger = logger
        anySiteResponds = Atomic(service.broker.store.read { $0.ai.settings.values.contains(where: \.autoRespond) })
    }

    public func receive(_ events: [BrokerEvent]) {
        for case .committed(_, .aiSettingsSaved) in events {
            anySiteResponds.store(service.broker.store.read { $0.ai.settings.values.contains(where: \.autoRespond) }, ordering: .releasing)
        }
        guard anySiteResponds.load(ordering: .acquiring) else { return }
        for case .committed(_, .messageAppended(let message)) in events {
            guard case .visitor = message.sender, message.contentType == .text else { continue }
            let ready: (Conversation, AISettings)? = service.broker.store.read { state in
                guard let conversation = state.conversations[message.conversationID]?.conversation, conversation.group == nil,
                    conversation.status != .closed, conversation.assignedAgentID.map({ state.agents[$0]?.isBot == true }) ?? true
                else { return nil }
                let settings = state.ai.settings(of: conversation.siteID)
                return settings.autoRespond && settings.botAgentID != nil ? (conversation, settings) : nil
            }
            guard let (conversation, settings) = ready, busy.withLock({ $0.insert(conversation.id).inserted }) else { continue }
            Task { [self] in
                await respond(conversation, settings: settings)
                busy.withLock { _ = $0.remove(conversation.id) }
            }
        }
    }

    private func respond(_ conversation: Conversation, settings: AISettings) async {
        guard let bot = settings.botAgentID else { return }
        do {
            let answer = try await service.answer(conversation, contextMessages: 10)
            guard let response = answer.response, answer.confidence >= settings.confidenceThreshold else { return }
            let metadata = #"{"ai":{"provider":"\#(answer.provider.name)","confidence":\#(answer.confidence)}}"#
            _ = try await service.broker.send(MessageDraft(sender: .bot(bot), content: response, metadataJSON: metadata), to: conversation.id)
        } catch {
            logger.warning(
                "automatic answer failed", metadata: ["parley.conversation": "\(conversation.id.rawValue)", "parley.error": "\(error)"])
        }
    }
}
