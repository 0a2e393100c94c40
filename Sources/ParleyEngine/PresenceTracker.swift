/// Socket presence per identity across tabs and devices, as a plain state machine: an identity
/// joins with its first session and leaves only after its last session has been gone for the
/// grace period, so a page reload does not flap.
public struct PresenceTracker<Identity: Hashable & Sendable>: Sendable {
    private var sessions: [Identity: Int] = [:]
    private var leaving: [Identity: ContinuousClock.Instant] = [:]

    public init() {}

    /// A session of `identity` opened. Returns `true` when the identity just came online.
    public mutating func connect(_ identity: Identity) -> Bool {
        let count = sessions[identity, default: 0]
        sessions[identity] = count + 1
        // Back within the grace period: it never left.
        if leaving.removeValue(forKey: identity) != nil { return false }
        return count == 0
    }

    /// A session of `identity` closed; its last one starts the grace period, which ends at
    /// `deadline` (the close time plus the grace).
    public mutating func disconnect(_ identity: Identity, leavesAt deadline: ContinuousClock.Instant) {
        guard let count = sessions[identity] else { return }
        if count > 1 {
            sessions[identity] = count - 1
        } else {
            sessions[identity] = nil
            leaving[identity] = deadline
        }
    }

    /// Identities whose grace period ran out: announce them as gone.
    public mutating func expire(now: ContinuousClock.Instant) -> [Identity] {
        let gone = leaving.filter { $0.value <= now }.map(\.key)
        for identity in gone { leaving[identity] = nil }
        return gone
    }

    /// Online now (counting those inside their grace period).
    public func isOnline(_ identity: Identity) -> Bool {
        sessions[identity] != nil || leaving[identity] != nil
    }

    public var online: [Identity] { Array(sessions.keys) + Array(leaving.keys) }
}
