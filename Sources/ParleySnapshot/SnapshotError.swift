/// Why a snapshot could not be written or read.
public enum SnapshotError: Error, Hashable, Sendable, CustomStringConvertible {
    case damaged(String)
    case compression(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .damaged(let why): "snapshot is damaged: \(why)"
        case .compression(let why): "LZ4 failed: \(why)"
        case .notFound(let what): "no snapshot: \(what)"
        }
    }
}
