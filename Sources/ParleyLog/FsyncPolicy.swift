/// When appended records become durable, and so when an append is acknowledged.
public enum FsyncPolicy: Hashable, Sendable, CustomStringConvertible {
    /// `fdatasync` every batch; acknowledge after it (the default: an acknowledged record survives `kill -9`
    /// and power loss).
    case always
    /// Write every batch, acknowledge after the write, `fdatasync` at most every this many milliseconds
    /// (an acknowledged record survives `kill -9`, not power loss within the interval).
    case interval(milliseconds: Int)
    /// Write every batch and never `fdatasync` (tests and benchmarks).
    case none

    /// Parses `always`, `none`, `interval` (100 ms) or `interval:<ms>`.
    public init?(parsing text: String) {
        switch text {
        case "always": self = .always
        case "none": self = .none
        case "interval": self = .interval(milliseconds: 100)
        default:
            guard text.hasPrefix("interval:"), let ms = Int(text.dropFirst("interval:".count)), ms > 0 else { return nil }
            self = .interval(milliseconds: ms)
        }
    }

    public var description: String {
        switch self {
        case .always: "always"
        case .none: "none"
        case .interval(let ms): "interval:\(ms)"
        }
    }
}
