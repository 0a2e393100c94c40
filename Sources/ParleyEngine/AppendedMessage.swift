public import ParleyModel
public import ParleyStorage

/// A message a conversation's actor has put in the log, not yet known to be durable: a new one,
/// a draft that repeats an earlier client message id (answered with the earlier message), or on
/// a cluster node a message sent to the cluster log, whose `seq` and id the `append` script
/// decides.
public enum AppendedMessage: Sendable {
    case new(Message, lsn: UInt64)
    /// The client message id was used before, for the message `seq`, logged at `lsn`.
    case repeated(seq: UInt64, lsn: UInt64)
    /// Sent to the cluster log with `ticket`: its `seq` and id are in the commit's position, and
    /// the script tells a repeated client message id (docs/SCALING.md).
    case sent(ticket: UInt64)

    /// The ticket to wait for (on one node, the record's LSN).
    public var lsn: UInt64 {
        switch self {
        case .new(_, let lsn), .repeated(_, let lsn): lsn
        case .sent(let ticket): ticket
        }
    }

    /// What the sender is answered once the record is committed at `position`. A repeat is
    /// answered with the earlier message (read from the state, or from history if compaction
    /// moved it since) when it says the same, and refused when the id was used for something else.
    public func receipt(
        for draft: MessageDraft, in conversation: ConversationID, store: EventStore, at position: CommitPosition
    ) throws -> SendReceipt {
        switch self {
        case .new(let message, let lsn):
            return SendReceipt(message: message, lsn: lsn, duplicate: false)
        case .repeated(let seq, let lsn):
            return try Self.repeatReceipt(for: draft, seq: seq, lsn: lsn, in: conversation, store: store)
        case .sent:
            if position.isRepeat {
                return try Self.repeatReceipt(for: draft, seq: position.seq, lsn: position.lsn, in: conversation, store: store)
            }
            // Applied before the commit resolved: the state holds it at the script's `seq`.
            guard let message = store.read({ $0.conversations[conversation]?.message(seq: position.seq) }) else {
                throw EngineError.notFound("message not found")
            }
            return SendReceipt(message: message, lsn: position.lsn, duplicate: false)
        }
    }

    private static func repeatReceipt(
        for draft: MessageDraft, seq: UInt64, lsn: UInt64, in conversation: ConversationID, store: EventStore
    ) throws -> SendReceipt {
        guard let log = store.read({ $0.conversations[conversation] }), let message = try log.message(seq: seq, cold: store.history)
        else { throw EngineError.notFound("message not found") }
        guard message.content == draft.content, message.sender == draft.sender else {
            throw EngineError.conflict("client_message_id \(draft.clientMessageID ?? "") was already used for another message")
        }
        return SendReceipt(message: message, lsn: lsn, duplicate: true)
    }

    /// Whether reading the receipt may touch the disk (a repeat's earlier message may be in a
    /// history file): such a receipt is not read on the log's flusher thread.
    func receiptMayRead(at position: CommitPosition) -> Bool {
        switch self {
        case .new: false
        case .repeated: true
        case .sent: position.isRepeat
        }
    }
}
