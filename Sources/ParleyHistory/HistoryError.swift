/// Why a history file could not be written or read: the file, where, and what is wrong.
public enum HistoryError: Error, Hashable, Sendable, CustomStringConvertible {
    case damaged(file: String, offset: Int, String)
    /// A request the file cannot answer (a conversation or `seq` it does not hold).
    case notInFile(file: String, String)
    /// The writer was used against its rules (out of order, after finishing).
    case misuse(String)

    public var description: String {
        switch self {
        case .damaged(let file, let offset, let why): "history file \(file) is damaged at offset \(offset): \(why)"
        case .notInFile(let file, let what): "history file \(file) does not hold \(what)"
        case .misuse(let why): "history file writer misused: \(why)"
        }
    }
}
