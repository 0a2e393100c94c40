public import ParleyModel

/// What one session has been sent of each conversation, as a plain state machine: it keeps
/// every session's stream of `message` events gapless and free of duplicates, and decides
/// what a `resume` must replay.
public struct ConversationPositions: Sendable {
    /// The most a resume replays for one conversation; beyond it the client must reload.
    public let replayLimit: UInt64
    /// Per conversation: the first `seq` this session was sent live, and the newest it was sent.
    private var sent: [ConversationID: (first: UInt64, last: UInt64)] = [:]

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
        // One hash per offer (the fan-out calls this once per recipient): the entry is found
        // once and updated in place.
        guard let index = sent.index(forKey: conversation) else {
            sent[conversation] = (seq, seq)
            return .send
        }
        let last = sent.values[index].last
        if seq <= last { return .duplicate }
        sent.values[index].last = seq
        return seq == last + 1 ? .send : .fillFirst(after: last)
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
        if let known = sent[conversation] {
            // Live events already went out; the client is whole only if they began right after it.
            return known.first <= position + 1 ? .upToDate : .reload
        }
        guard position < head else {
            sent[conversation] = (head + 1, head)
            return .upToDate
        }
        sent[conversation] = (position + 1, head)
        guard head - position <= replayLimit else {
            sent[conversation] = (head + 1, head)
            return .reload
        }
        return .replay(after: position, through: head)
    }
}
