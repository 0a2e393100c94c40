public import ParleyModel

extension SampleData {
    /// The history file of the codec version 18 golden log: the first conversation's first message.
    public static let historyFileAdded = HistoryFileAdded(
        number: 1, moves: [HistoryFileAdded.ColdMove(conversation: conversation.id, through: 1)],
        at: Timestamp(milliseconds: t0.milliseconds + 6000))

    /// Codec version 19 (retention and erasure): a 30-day period, the first message expired, the
    /// history file that held it replaced by none, then the visitor erased.
    public static let version19Events: [Event] = [
        .retentionSet(RetentionPolicy(siteID: site.id, days: 30, setBy: agent.id, setAt: Timestamp(milliseconds: t0.milliseconds + 7000))),
        .messagesExpired(
            MessagesExpired(
                siteID: site.id, cutoff: Timestamp(milliseconds: t0.milliseconds + 1500),
                purges: [HistoryFileAdded.ColdMove(conversation: conversation.id, through: 1)],
                at: Timestamp(milliseconds: t0.milliseconds + 8000))),
        .historyFileReplaced(old: 1, new: nil, at: Timestamp(milliseconds: t0.milliseconds + 9000)),
        .visitorErased(visitor.id, by: agent.id, at: Timestamp(milliseconds: t0.milliseconds + 10000)),
    ]

    /// One event of every record type, the newest included (``everyEvent`` stays as golden
    /// version 16 wrote it).
    public static var latestEvents: [Event] {
        everyEvent + [.historyFileAdded(historyFileAdded)] + version19Events
            + [.historyFileReplaced(old: 2, new: 3, at: t0), .retentionSet(RetentionPolicy(siteID: site.id, days: 0, setBy: nil, setAt: t0))]
    }

    /// Every record of version 17, then a history file made live (record type 40).
    public static var version18Records: [DecodedRecord] {
        version17Records + [DecodedRecord(event: .historyFileAdded(historyFileAdded))]
    }

    /// Every record of version 18, then retention and erasure (types 41–44).
    public static var version19Records: [DecodedRecord] {
        version18Records + version19Events.map { DecodedRecord(event: $0) }
    }
}
