public import ParleyModel

/// Demo traffic for a data directory or a running server (`parley admin seed`): a new site,
/// one visitor and conversation per `conversations`, then `messages` system messages of `size`
/// bytes sent by `concurrency` workers, each waiting for its acknowledgement (so with fsync
/// `always` every reported ack is durable). Used by the kill -9 durability test and the
/// restart benchmark, offline and through the admin API alike.
public struct DemoSeeder: Sendable {
    public struct Plan: Sendable, Codable, Equatable {
        public var conversations: Int
        public var messages: Int
        public var concurrency: Int
        public var size: Int

        public init(conversations: Int = 10, messages: Int = 1000, concurrency: Int = 16, size: Int = 200) {
            self.conversations = conversations
            self.messages = messages
            self.concurrency = concurrency
            self.size = size
        }

        /// Why the plan cannot run, or `nil`.
        public var problem: String? {
            guard (1...100_000).contains(conversations) else { return "conversations must be 1 to 100000" }
            guard (0...100_000_000).contains(messages) else { return "messages must be 0 to 100000000" }
            guard (1...1024).contains(concurrency) else { return "concurrency must be 1 to 1024" }
            guard (1...16 * 1024).contains(size) else { return "size must be 1 to 16384" }
            return nil
        }
    }

    /// One acknowledged message.
    public struct Ack: Sendable, Codable, Equatable {
        public var conversation_id: String
        public var seq: UInt64
        public var message_id: String
    }

    let broker: Broker

    public init(broker: Broker) { self.broker = broker }

    /// Runs `plan`, calling `acknowledged` once per acknowledged message (from several tasks at
    /// once); returns the site it made.
    public func run(_ plan: Plan, acknowledged: @escaping @Sendable (Ack) async throws -> Void) async throws -> SiteID {
        if let problem = plan.problem { throw EngineError(.validation, problem) }
        let site = try await broker.directory.createSite(name: "Seed \(Timestamp.now().rfc3339)", domain: "")
        var ids: [ConversationID] = []
        ids.reserveCapacity(plan.conversations)
        for index in 0..<plan.conversations {
            let (visitor, _) = try await broker.directory.registerVisitor(
                site: site.id, externalID: "seed-\(site.id.rawValue)-\(index)", name: "Visitor \(index)")
            ids.append(try await broker.openConversation(site: site.id, visitor: visitor.id).id)
        }
        let conversations = ids
        let text = String(repeating: "x", count: plan.size)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<plan.concurrency {
                group.addTask { [broker] in
                    var index = worker
                    while index < plan.messages {
                        try Task.checkCancellation()
                        let conversation = conversations[index % conversations.count]
                        let receipt = try await broker.send(
                            MessageDraft(sender: .system, content: text, clientMessageID: "seed-\(index)"), to: conversation)
                        try await acknowledged(
                            Ack(
                                conversation_id: NativeID.format(conversation), seq: receipt.message.seq,
                                message_id: NativeID.format(receipt.message.id)))
                        index += plan.concurrency
                    }
                }
            }
            try await group.waitForAll()
        }
        return site.id
    }
}
