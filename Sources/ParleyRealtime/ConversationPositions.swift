public import ParleyModel

/// What one session has been sent of each conversation, as a plain state machine: it keeps
/// every session's stream of `message` events gapless and free of duplicates, and decides
/// what a `resume` must replay.
public struct ConversationPositions: Sendable {
    /// The most a resume replays for one conversation; beyond it the client must reload.
    public let replayLimit: UInt64
    /// Per conversation: the first `seq` this session was sent live, and the newest it was sent.
    /// The entry of the conversation offered last may be stale here: `recent` holds it.
    private var sent: [ConversationID: Sent] = [:]
    /// The conversation offered last, apart from `sent`: a fan-out offers every session of a
    /// busy conversation message after message, and comparing one id costs less than hashing it
    /// (a room of a thousand sessions hashed a thousand times per message). Written back to
    /// `sent` when another conversation is offered.
    private var recent: (conversation: ConversationID, sent: Sent)?

    private struct Sent: Sendable {
        var first: UInt64
        var last: UInt64
    }

    public init(replayLimit: UInt64) { self.replayLimit = replayLimit }

    /// What to do with a live message event.
    public enum Offer: Equatable, Sendable {
        case send
        /// Already sent (a resume replayed it first): drop it.
        case duplicate
        /// Send the history after `after` (and before this message) first: the session missed it.
        case fillFirst(after: UInt64)
    }

    public mutating func offer(_ conversation: ConversationID, seq: UInt64) -> Offer {
        var entry: Sent
        if let recent, recent.conversation == conversation {
            entry = recent.sent
        } else {
            if let recent { sent[recent.conversation] = recent.sent }
            guard let known = sent[conversation] else {
                recent = (conversation, Sent(first: seq, last: seq))
                return .send
            }
            entry = known
        }
        defer { recent = (conversation, entry) }
        let last = entry.last
        if seq <= last { return .duplicate }
        entry.last = seq
        return seq == last + 1 ? .send : .fillFirst(after: last)
    }

    /// What this session was sent of `conversation`, if anything.
    private func known(_ conversation: ConversationID) -> Sent? {
        if let recent, recent.conversation == conversation { return recent.sent }
        return sent[conversation]
    }

    /// What a resume from `position` (the newest `seq` the client has) must do, when the
    /// conversation's newest message is `head`.
    public enum Resume: Equatable, Sendable {
        /// Send the history after `after` through `head`, in order.
        case replay(after: UInt64, through: UInt64)
        /// Nothing is missing.
        case upToDate
        /// The gap cannot be filled in order: the client must reload history.
        case reload
    }

    public mutating func resume(_ conversation: ConversationID, from position: UInt64, head: UInt64) -> Resume {
        if let known = known(conversation) {
            // Live events already went out; the client is whole only if they began right after it.
            return known.first <= position + 1 ? .upToDate : .reload
        }
        guard position < head else {
            sent[conversation] = Sent(first: head + 1, last: head)
            return .upToDate
        }
        guard head - position <= replayLimit else {
            sent[conversation] = Sent(first: head + 1, last: head)
            return .reload
        }
        // Not known, so not `recent`: the entry goes straight into `sent`.
        sent[conversation] = Sent(first: position + 1, last: head)
        return .replay(after: position, through: head)
    }
}
