/// The highest id handed out so far per kind; new ids continue above them after a restart.
public struct IDWatermarks: Hashable, Sendable {
    public var site: UInt64 = 0
    public var agent: UInt64 = 0
    public var visitor: UInt64 = 0
    public var conversation: UInt64 = 0
    public var message: UInt64 = 0
    /// Refresh-token families.
    public var tokenFamily: UInt64 = 0
    /// Agent notifications (made by the state machine itself).
    public var notification: UInt64 = 0

    public init() {}

    /// Raises the watermark of `kind` to at least `id`.
    public mutating func observe(_ kind: EntityKind, _ id: UInt64) {
        switch kind {
        case .site: site = max(site, id)
        case .agent: agent = max(agent, id)
        case .visitor: visitor = max(visitor, id)
        case .conversation: conversation = max(conversation, id)
        case .message: message = max(message, id)
        case .notification: notification = max(notification, id)
        default: break
        }
    }
}
