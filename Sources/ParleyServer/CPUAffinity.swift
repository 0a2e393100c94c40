import Foundation

/// The cores this process may run on (its affinity mask: `taskset`, cpusets), which can be
/// fewer than the machine's; SwiftNIO's `System.coreCount` counts the machine's.
public enum CPUAffinity {
    public static func usableCores() -> Int {
        // glibc's sched_getaffinity is not visible to Swift without _GNU_SOURCE; the kernel
        // reports the same mask in /proc/self/status.
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return onlineCores }
        return cores(inStatus: status) ?? onlineCores
    }

    /// The number of cores in the `Cpus_allowed:` mask (comma-separated hex words).
    public static func cores(inStatus status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        let mask = line.dropFirst("Cpus_allowed:".count).trimmingCharacters(in: .whitespaces)
        var count = 0
        for word in mask.split(separator: ",") {
            guard let bits = UInt64(word, radix: 16) else { return nil }
            count += bits.nonzeroBitCount
        }
        return count > 0 ? count : nil
    }

    private static var onlineCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
