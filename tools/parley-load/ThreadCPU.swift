/// One thread's (or one name's threads') CPU seconds and the kernel's part of them: which of
/// the server's threads a run kept busy (the event loops, the log's flusher, the snapshot
/// writer, Swift's task pool).
struct ThreadCPU: Encodable, Sendable, Equatable {
    var name: String
    var cpuSeconds: Double
    var kernelSeconds: Double

    /// What each thread name spent between two samples, busiest first: threads are matched by
    /// id, a thread born in between counts whole, one gone by the second sample is left out,
    /// and threads that share a name (a pool's) are summed.
    static func spent(from before: ProcessSample?, to after: ProcessSample?) -> [ThreadCPU] {
        guard let before, let after else { return [] }
        var byName: [String: ThreadCPU] = [:]
        for (tid, now) in after.threads {
            let then = before.threads[tid].flatMap { $0.name == now.name ? $0 : nil }
            var spent = byName[now.name] ?? ThreadCPU(name: now.name, cpuSeconds: 0, kernelSeconds: 0)
            spent.cpuSeconds += now.cpuSeconds - (then?.cpuSeconds ?? 0)
            spent.kernelSeconds += now.kernelSeconds - (then?.kernelSeconds ?? 0)
            byName[now.name] = spent
        }
        return byName.values.sorted { ($0.cpuSeconds, $1.name) > ($1.cpuSeconds, $0.name) }
    }
}
