public import ParleyModel

/// What the broker tells its subscribers (the routing hub): durable changes in LSN order, and
/// ephemeral typing changes, which are never logged.
public enum BrokerEvent: Sendable {
    /// A change that is in the log and applied; `lsn` orders these.
    case committed(lsn: UInt64, Event)
    /// Someone started or stopped typing (the server stops it after the typing timeout).
    case typing(ConversationID, Participant, isTyping: Bool)
}

/// Receives broker events. Called on the log's flusher thread (committed events) or a
/// conversation actor (typing): it must not block — enqueue and return (the hub hands them to
/// its event loop).
public protocol BrokerSubscriber: Sendable {
    func receive(_ events: [BrokerEvent])
}
