/// One chat message; `seq` is its place in the conversation's total order (1, 2, 3 …, no gaps).
public struct Message: Hashable, Sendable {
    public var id: MessageID
    public var conversationID: ConversationID
    public var seq: UInt64
    public var sender: Sender
    public var content: String
    public var contentType: ContentType
    public var fileID: UInt64?
    /// The client's own id for the message (or an idempotency key); duplicates are answered, not stored.
    public var clientMessageID: String?
    public var createdAt: Timestamp
    /// A JSON object the sender attached (omni `metadata`), kept and returned as given. Codec v5.
    public var metadataJSON: String?

    public init(
        id: MessageID, conversationID: ConversationID, seq: UInt64, sender: Sender, content: String,
        contentType: ContentType = .text, fileID: UInt64? = nil, clientMessageID: String? = nil,
        createdAt: Timestamp, metadataJSON: String? = nil
    ) {
        self.id = id
        self.conversationID = conversationID
        self.seq = seq
        self.sender = sender
        self.content = content
        self.contentType = contentType
        self.fileID = fileID
        self.clientMessageID = clientMessageID
        self.createdAt = createdAt
        self.metadataJSON = metadataJSON
    }
}

/// What a message carries.
public enum ContentType: UInt8, Sendable, CaseIterable {
    case text = 1
    case file = 2
    case image = 3

    public var name: String {
        switch self {
        case .text: "text"
        case .file: "file"
        case .image: "image"
        }
    }

    public init?(name: String) {
        guard let value = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = value
    }
}

/// Who wrote a message.
public enum Sender: Hashable, Sendable {
    case visitor(VisitorID)
    case agent(AgentID)
    case bot(AgentID)
    case system

    /// The participant behind the sender, if it is one (system messages have none).
    public var participant: Participant? {
        switch self {
        case .visitor(let id): .visitor(id)
        case .agent(let id), .bot(let id): .agent(id)
        case .system: nil
        }
    }
}

/// Someone who reads and writes in conversations: a visitor or an agent.
public enum Participant: Hashable, Sendable {
    case visitor(VisitorID)
    case agent(AgentID)

    /// A total order (visitors first, then agents, by id) for deterministic encodings.
    public var sortKey: (UInt8, UInt64) {
        switch self {
        case .visitor(let id): (1, id.rawValue)
        case .agent(let id): (2, id.rawValue)
        }
    }
}
