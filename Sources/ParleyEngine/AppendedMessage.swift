public import ParleyModel
public import ParleyStorage

/// A message a conversation's actor has put in the log, not yet known to be durable: a new one,
/// or a draft that repeats an earlier client message id (answered with the earlier message).
public enum AppendedMessage: Sendable {
    case new(Message, lsn: UInt64)
    /// The client message id was used before, for the message `seq`, logged at `lsn`.
    case repeated(seq: UInt64, lsn: UInt64)

    /// The record to wait for.
    public var lsn: UInt64 {
        switch self {
        case .new(_, let lsn), .repeated(_, let lsn): lsn
        }
    }

    /// What the sender is answered once `lsn` is durable. A repeat is answered with the earlier
    /// message (read from the state, or from history if compaction moved it since) when it says
    /// the same, and refused when the id was used for something else.
    public func receipt(for draft: MessageDraft, in conversation: ConversationID, store: EventStore) throws -> SendReceipt {
        switch self {
        case .new(let message, let lsn):
            return SendReceipt(message: message, lsn: lsn, duplicate: false)
        case .repeated(let seq, let lsn):
            guard let log = store.read({ $0.conversations[conversation] }), let message = try log.message(seq: seq, cold: store.history)
            else { throw EngineError.notFound("message not found") }
            guard message.content == draft.content, message.sender == draft.sender else {
                throw EngineError.conflict("client_message_id \(draft.clientMessageID ?? "") was already used for another message")
            }
            return SendReceipt(message: message, lsn: lsn, duplicate: true)
        }
    }

    /// Whether reading the receipt may touch the disk (a repeat's earlier message may be in a
    /// history file): such a receipt is not read on the log's flusher thread.
    var receiptMayRead: Bool {
        if case .repeated = self { true } else { false }
    }
}
