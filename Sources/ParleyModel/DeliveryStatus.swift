/// The two sides of a support conversation: the visitor, and the staff (agents, bots, system).
public enum ConversationSide: Hashable, Sendable {
    case visitor
    case staff

    public init(_ participant: Participant) {
        if case .visitor = participant { self = .visitor } else { self = .staff }
    }

    public init(_ sender: Sender) {
        if case .visitor = sender { self = .visitor } else { self = .staff }
    }

    public var other: ConversationSide { self == .visitor ? .staff : .visitor }
}

/// How far each side of one conversation has been delivered: the highest `seq` that reached
/// a session or a history read of someone on that side. Held in memory only (a restart
/// forgets it until the next delivery; read cursors, which are durable, still say `read`).
public struct DeliveredThrough: Hashable, Sendable {
    public var visitor: UInt64 = 0
    public var staff: UInt64 = 0

    public init(visitor: UInt64 = 0, staff: UInt64 = 0) {
        self.visitor = visitor
        self.staff = staff
    }

    public subscript(side: ConversationSide) -> UInt64 {
        get { side == .visitor ? visitor : staff }
        set { if side == .visitor { visitor = newValue } else { staff = newValue } }
    }
}

/// A message's status as its writer sees it, derived from cursors, never stored per message:
/// `read` once someone on the other side has read up to it, `delivered` once it reached
/// someone on the other side, else `sent`.
public enum DeliveryStatus: String, Sendable {
    case sent
    case delivered
    case read

    public init(of message: Message, in log: borrowing ConversationLog, delivered: DeliveredThrough) {
        let other = ConversationSide(message.sender).other
        let read = log.readCursors.contains { participant, cursor in
            ConversationSide(participant) == other && cursor.seq >= message.seq
        }
        if read {
            self = .read
        } else if delivered[other] >= message.seq {
            self = .delivered
        } else {
            self = .sent
        }
    }
}
