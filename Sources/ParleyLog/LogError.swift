/// Why the log refused to open or to append.
public struct LogError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        case corrupt(file: String, offset: Int, reason: String)
        case gap(file: String, expectedLSN: UInt64, foundLSN: UInt64)
        case failed(String)
        case syncFailed(String)
        case rejected(lsn: UInt64, reason: String)
        case closed
        case payloadTooLarge(Int)
    }

    let kind: Kind

    /// A segment other than the last one fails its checks: the log cannot be opened safely.
    public static func corrupt(file: String, offset: Int, reason: String) -> LogError {
        LogError(kind: .corrupt(file: file, offset: offset, reason: reason))
    }

    /// A whole stretch of records is missing between two segments.
    public static func gap(file: String, expectedLSN: UInt64, foundLSN: UInt64) -> LogError {
        LogError(kind: .gap(file: file, expectedLSN: expectedLSN, foundLSN: foundLSN))
    }

    /// A write or fsync failed; the log accepts nothing more (nothing is acknowledged after it).
    public static func failed(_ why: String) -> LogError { LogError(kind: .failed(why)) }

    /// An fsync failed: besides stopping the log, what the page cache holds can no longer be
    /// trusted to be on the disk (the kernel may have dropped the dirty pages).
    public static func syncFailed(_ why: String) -> LogError { LogError(kind: .syncFailed(why)) }

    /// The record was logged but the state refused to apply it: it is not acknowledged.
    public static func rejected(lsn: UInt64, reason: String) -> LogError { LogError(kind: .rejected(lsn: lsn, reason: reason)) }

    /// Whether the failure was an fsync's.
    public var isSyncFailure: Bool {
        if case .syncFailed = kind { return true }
        return false
    }

    /// The log was closed.
    public static let closed = LogError(kind: .closed)

    public static func payloadTooLarge(_ size: Int) -> LogError { LogError(kind: .payloadTooLarge(size)) }

    /// The damaged file and offset, when the error is about damage.
    public var location: (file: String, offset: Int)? {
        if case .corrupt(let file, let offset, _) = kind { return (file, offset) }
        return nil
    }

    public var isCorruption: Bool {
        switch kind {
        case .corrupt, .gap: true
        default: false
        }
    }

    public var description: String {
        switch kind {
        case .corrupt(let file, let offset, let reason):
            "log segment \(file) is damaged at offset \(offset): \(reason); the files are left as they are (see `parley wal verify`, and `parley wal repair --truncate-at \(file):\(offset)` to cut the log there)"
        case .gap(let file, let expected, let found):
            "log segment \(file) starts at LSN \(found) but LSN \(expected) was expected: records are missing"
        case .failed(let why): "the log has failed and accepts no more writes: \(why)"
        case .syncFailed(let why): "an fsync of the log failed and it accepts no more writes: \(why)"
        case .rejected(let lsn, let reason): "record \(lsn) was logged but not applied: \(reason)"
        case .closed: "the log is closed"
        case .payloadTooLarge(let size): "a record of \(size) bytes is larger than a frame may carry"
        }
    }
}
