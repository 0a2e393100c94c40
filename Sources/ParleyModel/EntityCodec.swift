/// Binary encodings of the entities, shared by log records and snapshots.
///
/// Fields are written in declaration order. A later codec version may only append fields;
/// readers of version N read the fields that version N wrote (see snapshots/FORMAT.md).
extension BinaryWriter {
    public mutating func write(_ site: Site) {
        write(site.id)
        write(site.name)
        write(site.domain)
        write(site.publicKey)
        write(site.secretKey)
        write(site.ownerAgentID)
        write(site.widget.primaryColor)
        write(site.widget.welcomeMessage)
        write(site.widget.offlineMessage)
        write(site.createdAt)
    }

    public mutating func write(_ agent: Agent) {
        write(agent.id)
        write(agent.siteID)
        write(agent.username)
        write(agent.email)
        write(agent.displayName)
        write(agent.role.rawValue)
        write(agent.passwordHash)
        write(agent.availability.rawValue)
        write(agent.isBot)
        write(agent.createdAt)
        write(agent.lastSeenAt)
        write(UInt64(agent.departments.count))  // v7
        for department in agent.departments { write(department) }
    }

    public mutating func write(_ invite: Invite) {
        write(invite.tokenHash)
        write(invite.siteID)
        write(invite.email)
        write(invite.name)
        write(invite.role.rawValue)
        write(UInt64(invite.departments.count))
        for department in invite.departments { write(department) }
        write(invite.invitedBy)
        write(invite.createdAt)
        write(invite.expiresAt)
        write(invite.acceptedAt)
    }

    public mutating func write(_ visitor: Visitor) {
        write(visitor.id)
        write(visitor.siteID)
        write(visitor.externalID)
        write(visitor.name)
        write(visitor.email)
        write(visitor.phone)
        write(visitor.metadataJSON)
        write(visitor.firstSeenAt)
        write(visitor.lastSeenAt)
    }

    public mutating func write(_ conversation: Conversation) {
        write(conversation.id)
        write(conversation.siteID)
        // 0 (names no visitor) for a group chat, whose group follows at the end (v11).
        write(conversation.visitorID?.rawValue ?? 0)
        write(conversation.assignedAgentID)
        write(conversation.subject)
        write(conversation.createdAt)
        write(conversation.closedAt)
        write(conversation.lastMessageAt)
        write(conversation.metadataJSON)  // v5
        write(conversation.archivedAt)  // v11
        writeOptional(conversation.group) { $0.write($1) }  // v11
    }

    public mutating func write(_ group: GroupChat) {
        write(group.name)
        write(group.ownerID)
        write(UInt64(group.memberIDs.count))
        for member in group.memberIDs { write(member) }
        write(group.isChannel)
        write(group.isPublic)
    }

    public mutating func write(_ participant: Participant) {
        switch participant {
        case .visitor(let id):
            write(UInt8(1))
            write(id)
        case .agent(let id):
            write(UInt8(2))
            write(id)
        }
    }

    public mutating func write(_ sender: Sender) {
        switch sender {
        case .visitor(let id):
            write(UInt8(1))
            write(id)
        case .agent(let id):
            write(UInt8(2))
            write(id)
        case .bot(let id):
            write(UInt8(3))
            write(id)
        case .system:
            write(UInt8(4))
        }
    }

    public mutating func write(_ token: RefreshToken) {
        write(token.tokenHash)
        write(token.family)
        write(token.agentID)
        write(token.issuedAt)
        write(token.expiresAt)
        write(token.spentAt)
    }

    public mutating func write(_ reply: IdempotentReply) {
        write(reply.scope)
        write(reply.requestHash)
        write(UInt64(reply.status))
        write(reply.contentType)
        write(reply.body)
        write(reply.recordedAt)
    }

    public mutating func write(_ notification: AgentNotification) {
        write(notification.id)
        write(notification.agentID)
        write(notification.kind.rawValue)
        // 0 names no conversation (a webhook notification, v12).
        write(notification.conversationID?.rawValue ?? 0)
        write(notification.messageID)
        write(notification.createdAt)
        write(notification.read)
        write(notification.webhookID)  // v12
    }

    /// A message inside its conversation: the conversation id is implied by the context.
    public mutating func write(_ message: Message, includingConversation: Bool) {
        write(message.id)
        if includingConversation { write(message.conversationID) }
        write(message.seq)
        write(message.sender)
        write(message.content)
        write(message.contentType.rawValue)
        write(message.fileID)
        write(message.clientMessageID)
        write(message.createdAt)
        write(message.metadataJSON)  // v5
    }
}

extension BinaryReader {
    public mutating func readSite() throws(CodecError) -> Site {
        Site(
            id: try readID(), name: try readString(), domain: try readString(), publicKey: try readString(),
            secretKey: try readString(), ownerAgentID: try readOptional { (r) throws(CodecError) in try r.readID() },
            widget: WidgetConfig(
                primaryColor: try readString(), welcomeMessage: try readString(), offlineMessage: try readString()),
            createdAt: try readTimestamp())
    }

    /// An agent as codec `version` wrote it (departments from version 7 on).
    public mutating func readAgent(version: UInt8) throws(CodecError) -> Agent {
        var agent = Agent(
            id: try readID(), siteID: try readID(), username: try readString(), email: try readString(),
            displayName: try readString(), role: try readEnum(AgentRole.self), passwordHash: try readString(),
            availability: try readEnum(Availability.self), isBot: try readBool(), createdAt: try readTimestamp(),
            lastSeenAt: try readOptional { (r) throws(CodecError) in try r.readTimestamp() })
        if version >= 7 { agent.departments = try readStrings() }
        return agent
    }

    public mutating func readStrings() throws(CodecError) -> [String] {
        var strings: [String] = []
        for _ in 0..<(try readCount()) { strings.append(try readString()) }
        return strings
    }

    public mutating func readInvite() throws(CodecError) -> Invite {
        Invite(
            tokenHash: try readString(), siteID: try readID(), email: try readString(), name: try readString(),
            role: try readEnum(AgentRole.self), departments: try readStrings(),
            invitedBy: try readOptional { (r) throws(CodecError) in try r.readID() }, createdAt: try readTimestamp(),
            expiresAt: try readTimestamp(), acceptedAt: try readOptional { (r) throws(CodecError) in try r.readTimestamp() })
    }

    public mutating func readVisitor() throws(CodecError) -> Visitor {
        Visitor(
            id: try readID(), siteID: try readID(), externalID: try readString(), name: try readString(),
            email: try readOptionalString(), phone: try readOptionalString(), metadataJSON: try readOptionalString(),
            firstSeenAt: try readTimestamp(), lastSeenAt: try readTimestamp())
    }

    /// A conversation as codec `version` wrote it (metadata from version 5 on, the archive
    /// time and a group chat's group from version 11 on).
    public mutating func readConversation(version: UInt8) throws(CodecError) -> Conversation {
        var conversation = Conversation(
            id: try readID(), siteID: try readID(), visitorID: try readID(),
            assignedAgentID: try readOptional { (r) throws(CodecError) in try r.readID() },
            subject: try readOptionalString(), createdAt: try readTimestamp(),
            closedAt: try readOptional { (r) throws(CodecError) in try r.readTimestamp() },
            lastMessageAt: try readOptional { (r) throws(CodecError) in try r.readTimestamp() },
            metadataJSON: version >= 5 ? try readOptionalString() : nil)
        guard version >= 11 else {
            // Before group chats every conversation had a visitor (libFuzzer found an old
            // record with visitor 0 that decoded here but not once written again).
            guard conversation.visitorID?.rawValue != 0 else { throw .malformed("a support conversation without a visitor") }
            return conversation
        }
        conversation.archivedAt = try readOptional { (r) throws(CodecError) in try r.readTimestamp() }
        if let group = try readOptional({ (r) throws(CodecError) in try r.readGroupChat() }) {
            guard conversation.visitorID?.rawValue == 0 else { throw .malformed("a group chat names a visitor") }
            conversation.party = .group(group)
        } else if conversation.visitorID?.rawValue == 0 {
            throw .malformed("a support conversation without a visitor")
        }
        return conversation
    }

    public mutating func readGroupChat() throws(CodecError) -> GroupChat {
        let name = try readString()
        let owner: AgentID = try readID()
        var members: [AgentID] = []
        for _ in 0..<(try readCount()) { members.append(try readID()) }
        return GroupChat(name: name, ownerID: owner, memberIDs: members, isChannel: try readBool(), isPublic: try readBool())
    }

    public mutating func readParticipant() throws(CodecError) -> Participant {
        switch try readByte() {
        case 1: return .visitor(try readID())
        case 2: return .agent(try readID())
        case let tag: throw .malformed("unknown participant tag \(tag)")
        }
    }

    public mutating func readSender() throws(CodecError) -> Sender {
        switch try readByte() {
        case 1: return .visitor(try readID())
        case 2: return .agent(try readID())
        case 3: return .bot(try readID())
        case 4: return .system
        case let tag: throw .malformed("unknown sender tag \(tag)")
        }
    }

    /// A message as codec `version` wrote it (metadata from version 5 on).
    public mutating func readMessage(in conversation: ConversationID?, version: UInt8) throws(CodecError) -> Message {
        let id: MessageID = try readID()
        let conversationID: ConversationID
        if let conversation {
            conversationID = conversation
        } else {
            conversationID = try readID()
        }
        return Message(
            id: id, conversationID: conversationID, seq: try readUInt64(), sender: try readSender(),
            content: try readString(), contentType: try readEnum(ContentType.self),
            fileID: try readOptional { (r) throws(CodecError) in try r.readUInt64() },
            clientMessageID: try readOptionalString(), createdAt: try readTimestamp(),
            metadataJSON: version >= 5 ? try readOptionalString() : nil)
    }

    public mutating func readRefreshToken() throws(CodecError) -> RefreshToken {
        RefreshToken(
            tokenHash: try readString(), family: try readUInt64(), agentID: try readID(), issuedAt: try readTimestamp(),
            expiresAt: try readTimestamp(), spentAt: try readOptional { (r) throws(CodecError) in try r.readTimestamp() })
    }

    public mutating func readIdempotentReply() throws(CodecError) -> IdempotentReply {
        let scope = try readString()
        let hash = try readString()
        let status = try readUInt64()
        guard status <= 999 else { throw .malformed("HTTP status \(status)") }
        return IdempotentReply(
            scope: scope, requestHash: hash, status: UInt16(status), contentType: try readOptionalString(),
            body: try readString(), recordedAt: try readTimestamp())
    }

    /// A notification as codec `version` wrote it (its webhook from version 12 on).
    public mutating func readNotification(version: UInt8) throws(CodecError) -> AgentNotification {
        var notification = AgentNotification(
            id: try readUInt64(), agentID: try readID(), kind: try readEnum(AgentNotification.Kind.self),
            conversationID: try readID(), messageID: try readOptional { (r) throws(CodecError) in try r.readID() },
            createdAt: try readTimestamp(), read: try readBool())
        if notification.conversationID?.rawValue == 0 { notification.conversationID = nil }
        if version >= 12 { notification.webhookID = try readOptional { (r) throws(CodecError) in try r.readID() } }
        return notification
    }

    public mutating func readOptionalString() throws(CodecError) -> String? {
        try readOptional { (r) throws(CodecError) in try r.readString() }
    }
}
