#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The server's CPU seconds (and the kernel's part of them) and resident memory, read from
/// `/proc/<pid>` (Linux).
struct ProcessSample: Sendable {
    var cpuSeconds: Double
    /// The part of ``cpuSeconds`` spent in the kernel on the process's behalf (`stime`): system
    /// calls, and on loopback the receiving side of every TCP segment the server sends.
    var kernelSeconds: Double
    var rssBytes: Int

    static func read(pid: Int32) -> ProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var rss = 0
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        {
            rss = kilobytes * 1024
        }
        return ProcessSample(cpuSeconds: (user + system) / ticks, kernelSeconds: system / ticks, rssBytes: rss)
    }

    /// Server CPU seconds spent between two samples (nil without a pid).
    static func cpuSeconds(from before: ProcessSample?, to after: ProcessSample?) -> Double? {
        guard let before, let after else { return nil }
        return after.cpuSeconds - before.cpuSeconds
    }

    /// The kernel's part of ``cpuSeconds(from:to:)``.
    static func kernelSeconds(from before: ProcessSample?, to after: ProcessSample?) -> Double? {
        guard let before, let after else { return nil }
        return after.kernelSeconds - before.kernelSeconds
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
