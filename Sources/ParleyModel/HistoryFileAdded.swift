/// A history file became live (record type 40, codec v18): the messages it holds leave RAM.
///
/// Compaction writes the file first (temporary name, fsync, rename, directory fsync); only then
/// is this record appended, so a state that names a file can always read it (issue 16,
/// snapshots/FORMAT.md "History file").
public struct HistoryFileAdded: Hashable, Sendable {
    /// The file's number (`history/<number>.hist`).
    public var number: UInt64
    /// What the file holds: per conversation, the messages after its previous cold prefix
    /// through `through`, by conversation id.
    public var moves: [ColdMove]
    public var at: Timestamp

    public init(number: UInt64, moves: [ColdMove], at: Timestamp) {
        self.number = number
        self.moves = moves
        self.at = at
    }

    /// One conversation's share of a history file: its cold prefix now ends at `through`.
    public struct ColdMove: Hashable, Sendable {
        public var conversation: ConversationID
        public var through: UInt64

        public init(conversation: ConversationID, through: UInt64) {
            self.conversation = conversation
            self.through = through
        }
    }
}
