/// Why the store could not start or act.
public enum StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Another process holds the data directory's lock.
    case locked(String)
    /// Records that a start or restore needs are no longer in the log.
    case missingRecords(String)
    /// An fsync failed in this boot; the tail cannot be trusted (see ``FsyncFailureMarker``).
    case fsyncFailed(String)
    case io(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .locked(let directory):
            "data directory \(directory) is in use by another Parley process (its LOCK is held); stop it first"
        case .missingRecords(let why): "the log is missing records: \(why)"
        case .fsyncFailed(let why): why
        case .io(let why): why
        case .invalidArgument(let why): why
        }
    }
}
