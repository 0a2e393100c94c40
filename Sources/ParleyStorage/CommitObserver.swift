public import ParleyModel

/// Told about every committed event, in LSN order, after it has been applied to the state and
/// before the appender's `waitUntilDurable` returns. Called on the log's flusher thread: it
/// must not block (hand the events on to a queue).
public protocol CommitObserver: Sendable {
    func didCommit(_ events: [CommittedEvent])
}

/// An event and the LSN the log gave it.
public struct CommittedEvent: Sendable {
    public var lsn: UInt64
    public var event: Event

    public init(lsn: UInt64, event: Event) {
        self.lsn = lsn
        self.event = event
    }
}
