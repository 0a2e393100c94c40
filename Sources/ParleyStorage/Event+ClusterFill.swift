public import ParleyModel

extension Event {
    /// The event with what the cluster log's `append` script decided filled in (docs/SCALING.md):
    /// a message's `seq` and id, an opened conversation's id. A node encodes such records with
    /// zeros there, since only the script may choose them; the entry carries the chosen values
    /// beside the payload, and every node applies the event with them. Zeros fill nothing, and
    /// other events come back as they are.
    ///
    /// ```swift
    /// let event = try EventCodec.decodeRecord(type: entry.type, payload: bytes).event.filling(seq: 7, id: 1042)
    /// ```
    public func filling(seq: UInt64, id: UInt64) -> Event {
        switch self {
        case .messageAppended(var message):
            if seq != 0 { message.seq = seq }
            if id != 0 { message.id = MessageID(id) }
            return .messageAppended(message)
        case .conversationOpened(var conversation):
            if id != 0 { conversation.id = ConversationID(id) }
            return .conversationOpened(conversation)
        default:
            return self
        }
    }
}
