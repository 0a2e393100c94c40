import Foundation

/// The standard `process_*` series of a Prometheus client (CPU seconds, resident and virtual
/// memory, open descriptors and their limit, start time), read from `/proc/self` when
/// `/metrics` is scraped. Empty where there is no `/proc`.
enum ProcessMetrics {
    static func exposition() -> String {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return "" }
        // Fields after the command name (which may hold spaces): state is field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double { fields.count > number - 3 ? Double(fields[number - 3]) ?? 0 : 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let cpu = (field(14) + field(15)) / ticks
        let virtualBytes = field(23)
        let residentBytes = field(24) * pageSize
        let bootTime = Self.bootTime()
        let start = bootTime + field(22) / ticks
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        var lines: [String] = []
        func gauge(_ name: String, _ help: String, _ type: String, _ value: Double) {
            lines += ["# HELP \(name) \(help)", "# TYPE \(name) \(type)", "\(name) \(Self.format(value))"]
        }
        gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", cpu)
        gauge("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", residentBytes)
        gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", virtualBytes)
        gauge("process_open_fds", "Number of open file descriptors.", "gauge", Double(max(0, descriptors - 1)))
        if let limit = Self.openFilesLimit() { gauge("process_max_fds", "Maximum number of open file descriptors.", "gauge", limit) }
        if bootTime > 0 { gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge", start) }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// `btime` of `/proc/stat`: when the machine booted, in seconds since the epoch.
    private static func bootTime() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") })
        else { return 0 }
        return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
    }

    /// The soft limit on open files (`Max open files` in `/proc/self/limits`).
    private static func openFilesLimit() -> Double? {
        guard let limits = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8),
            let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") })
        else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first.flatMap { Double($0) }
    }
}
