public import ParleyModel
import Synchronization

/// How far each conversation has been delivered to each side (see ``DeliveredThrough``):
/// moved by the routing hub when it hands a message to a session, and by history reads.
/// Monotonic; in memory only.
public final class DeliveryLedger: Sendable {
    private let cursors = Mutex<[ConversationID: DeliveredThrough]>([:])

    public init() {}

    /// Records that everything up to `seq` in `conversation` reached someone on `side`.
    public func markDelivered(_ conversation: ConversationID, to side: ConversationSide, through seq: UInt64) {
        cursors.withLock { cursors in
            if cursors[conversation, default: DeliveredThrough()][side] < seq {
                cursors[conversation, default: DeliveredThrough()][side] = seq
            }
        }
    }

    public func deliveredThrough(_ conversation: ConversationID) -> DeliveredThrough {
        cursors.withLock { $0[conversation] } ?? DeliveredThrough()
    }
}
