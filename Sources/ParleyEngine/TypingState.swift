public import ParleyModel

/// Who is typing in one conversation, with a timeout: a plain state machine whose methods
/// return the changes to announce. Never logged.
public struct TypingState: Sendable {
    public let timeout: Duration
    private var typists: [Participant: ContinuousClock.Instant] = [:]

    public init(timeout: Duration) { self.timeout = timeout }

    /// A typing frame. Returns `true` when the participant was not typing before (announce it).
    public mutating func start(_ participant: Participant, now: ContinuousClock.Instant) -> Bool {
        typists.updateValue(now + timeout, forKey: participant) == nil
    }

    /// A stop frame, a sent message or a disconnect. Returns `true` when it was typing (announce).
    public mutating func stop(_ participant: Participant) -> Bool {
        typists.removeValue(forKey: participant) != nil
    }

    /// Removes the typists whose time ran out; returns them (announce each as stopped).
    public mutating func expire(now: ContinuousClock.Instant) -> [Participant] {
        let expired = typists.filter { $0.value <= now }.map(\.key)
        for participant in expired { typists[participant] = nil }
        return expired
    }

    /// The earliest time a typist runs out, if anyone is typing.
    public var nextDeadline: ContinuousClock.Instant? { typists.values.min() }

    public var current: Set<Participant> { Set(typists.keys) }
}
