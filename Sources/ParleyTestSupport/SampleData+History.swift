public import ParleyModel

extension SampleData {
    /// The history file of the codec version 18 golden log: the first conversation's first message.
    public static let historyFileAdded = HistoryFileAdded(
        number: 1, moves: [HistoryFileAdded.ColdMove(conversation: conversation.id, through: 1)],
        at: Timestamp(milliseconds: t0.milliseconds + 6000))

    /// One event of every record type, the newest included (``everyEvent`` stays as golden
    /// version 16 wrote it).
    public static var latestEvents: [Event] { everyEvent + [.historyFileAdded(historyFileAdded)] }

    /// Every record of version 17, then a history file made live (record type 40).
    public static var version18Records: [DecodedRecord] {
        version17Records + [DecodedRecord(event: .historyFileAdded(historyFileAdded))]
    }
}
