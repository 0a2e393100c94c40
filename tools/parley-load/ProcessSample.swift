#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The server's CPU seconds (and the kernel's part of them), its threads' and its resident
/// memory, read from `/proc/<pid>` (Linux).
struct ProcessSample: Sendable {
    var cpuSeconds: Double
    /// The part of ``cpuSeconds`` spent in the kernel on the process's behalf (`stime`): system
    /// calls, and on loopback the receiving side of every TCP segment the server sends.
    var kernelSeconds: Double
    var rssBytes: Int
    /// Each thread's name and CPU so far, by thread id (`/proc/<pid>/task`).
    var threads: [Int32: ThreadCPU] = [:]

    static func read(pid: Int32) -> ProcessSample? {
        guard let (_, user, system) = times(statFile: "/proc/\(pid)/stat") else { return nil }
        var rss = 0
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        {
            rss = kilobytes * 1024
        }
        var threads: [Int32: ThreadCPU] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] {
            guard let tid = Int32(entry), let (name, user, system) = times(statFile: "/proc/\(pid)/task/\(entry)/stat") else { continue }
            threads[tid] = ThreadCPU(name: name, cpuSeconds: user + system, kernelSeconds: system)
        }
        return ProcessSample(cpuSeconds: user + system, kernelSeconds: system, rssBytes: rss, threads: threads)
    }

    /// The name (`comm`), user and system CPU seconds of a `/proc/…/stat` file.
    static func times(statFile path: String) -> (name: String, user: Double, system: Double)? {
        guard let stat = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return times(stat: stat)
    }

    /// ``times(statFile:)`` of the file's text: the name is between the first `(` and the last
    /// `)` (it may hold either); after it, state is field 3, utime and stime fields 14 and 15.
    static func times(stat: String) -> (name: String, user: Double, system: Double)? {
        guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"), open < close else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (String(stat[stat.index(after: open)..<close]), user / ticks, system / ticks)
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
