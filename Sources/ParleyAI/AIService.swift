import Foundation
public import ParleyEngine
public import ParleyModel
import ParleyStorage

/// A site's AI: its settings (logged, keys never shown), answers for a conversation on request,
/// and the bot agent that automatic answers are sent as.
public struct AIService: Sendable {
    public let broker: Broker
    public let assistant: Assistant

    public init(broker: Broker, assistant: Assistant) {
        self.broker = broker
        self.assistant = assistant
    }

    public func settings(of site: SiteID) -> AISettings { broker.store.read { $0.ai.settings(of: site) } }

    /// Logs `settings`; turning automatic answers on gives the site its bot agent first.
    public func save(_ settings: AISettings) async throws -> AISettings {
        var settings = settings
        settings.updatedAt = .now()
        if settings.autoRespond && settings.botAgentID == nil {
            let suffix = UUID().uuidString.prefix(8).lowercased()
            let bot = try await broker.directory.createAgent(
                site: settings.siteID, username: "ai-assistant-\(suffix)", email: "ai-assistant-\(suffix)@bots.parley.invalid",
                password: UUID().uuidString + UUID().uuidString, role: .agent, displayName: "AI assistant", isBot: true)
            settings.botAgentID = bot.id
        }
        _ = try await broker.store.commit(.aiSettingsSaved(settings))
        return self.settings(of: settings.siteID)
    }

    /// The last `contextMessages` messages of the conversation, answered.
    public func answer(_ conversation: Conversation, contextMessages: Int) async throws(AIError) -> AIAnswer {
        // Older context may be in cold history; a history file that cannot be read leaves only the hot part.
        let log = broker.store.read { $0.conversations[conversation.id] }
        let context = log.map { log in (try? log.newest(contextMessages, cold: broker.store.history)) ?? Array(log.hotMessages.suffix(contextMessages)) } ?? []
        return try await assistant.answer(site: conversation.siteID, settings: settings(of: conversation.siteID), context: context)
    }
}
