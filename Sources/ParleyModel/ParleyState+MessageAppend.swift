extension ParleyState {
    /// What appending a message did to its conversation's log.
    enum MessageAppend {
        case unknownConversation
        /// The record was applied before (a replay over a snapshot that holds it).
        case alreadyApplied
        case seqGap(expected: UInt64)
        /// What the rest of the apply needs of the conversation, read while it was at hand.
        case appended(assignee: AgentID?, site: SiteID, isSupport: Bool)
    }

    /// Appends `message` to the log in `slot` (a conversation's place in the dictionary, `nil`
    /// when it has none), checking its LSN and `seq` first. The log is moved out of its place
    /// and back, never copied: reading through the dictionary's getter
    /// (`conversations[id]?.lastSeq`) copies the whole log first, every reference in it retained
    /// and released, and the message path did that twice per message (reading the optional in
    /// `slot` does as well, hence the move).
    static func append(_ message: Message, lsn: UInt64, to slot: inout ConversationLog?) -> MessageAppend {
        guard var log = slot.take() else { return .unknownConversation }
        let outcome = append(message, lsn: lsn, to: &log)
        slot = consume log
        return outcome
    }

    private static func append(_ message: Message, lsn: UInt64, to log: inout ConversationLog) -> MessageAppend {
        if log.lastLSN >= lsn || message.seq <= log.lastSeq { return .alreadyApplied }
        guard message.seq == log.lastSeq + 1 else { return .seqGap(expected: log.lastSeq + 1) }
        log.hotMessages.append(message)
        log.conversation.lastMessageAt = message.createdAt
        log.lastLSN = lsn
        let isSupport = if case .visitor = log.conversation.party { true } else { false }
        return .appended(assignee: log.conversation.assignedAgentID, site: log.conversation.siteID, isSupport: isSupport)
    }
}
