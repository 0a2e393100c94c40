#if canImport(Glibc)
import Glibc
private let openFilesResource = Int32(RLIMIT_NOFILE.rawValue)
#elseif canImport(Darwin)
import Darwin
private let openFilesResource = RLIMIT_NOFILE
#endif

/// Every WebSocket connection is a descriptor: `parley serve` raises its soft limit on open
/// files to the hard limit (as Go's runtime does), and logs what it got.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard one; returns the soft limit in force afterwards.
    @discardableResult
    public static func raise() -> Int? {
        var limit = rlimit()
        guard getrlimit(openFilesResource, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(openFilesResource, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > UInt64(Int.max) ? Int.max : Int(limit.rlim_cur)
    }
}
