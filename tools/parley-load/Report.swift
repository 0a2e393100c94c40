import Foundation

/// One scenario's results: the human table, or `--json`.
struct Report: Encodable, Sendable {
    var scenario: String
    var parameters: [String: String]
    var seconds: Double
    var published: Int
    var delivered: Int
    var deliveredPerSecond: Double
    var losses: Int
    var duplicates: Int
    /// Publish → deliver (room) or publish → ack (durable), microseconds.
    var latencyMicroseconds: LatencyRecorder.Summary
    var serverCPUSeconds: Double?
    /// The kernel's part of ``serverCPUSeconds`` (the rest ran the server's own code).
    var serverKernelSeconds: Double?
    /// The server's threads that used CPU in the measured stretch, busiest first.
    var serverThreads: [ThreadCPU]?
    var serverRSSBytes: Int?
    var deliveredPerServerCPUSecond: Double?
    var messagesPerFsync: Double?
    /// Sessions the server closed during the run, and with which codes (4008: outbox overflow).
    var sessionsClosedByServer: Int
    var closeCodes: [UInt16]
    /// `idle`: server RSS growth divided by the connections held.
    var rssBytesPerConnection: Double? = nil
    /// `room`: delivered messages per WebSocket frame the subscribers received (1 unless batching).
    var messagesPerFrame: Double? = nil
    /// `--host-pauses`: what the probe on the server's core saw while measuring.
    var hostPauses: HostPauseProbe.Pauses? = nil

    /// The rates, the server's share (from `/proc` samples taken before and after the measured
    /// stretch) and the close codes are derived here, the same way for every scenario.
    init(
        scenario: String, parameters: [String: String], seconds: Double, published: Int, delivered: Int,
        losses: Int = 0, duplicates: Int = 0, latency: LatencyRecorder.Summary,
        server before: ProcessSample?, _ after: ProcessSample?, deliveriesPerServerCPU: Bool = true,
        messagesPerFsync: Double? = nil, closed: [UInt16] = []
    ) {
        self.scenario = scenario
        self.parameters = parameters
        self.seconds = seconds
        self.published = published
        self.delivered = delivered
        deliveredPerSecond = seconds > 0 ? Double(delivered) / seconds : 0
        self.losses = losses
        self.duplicates = duplicates
        latencyMicroseconds = latency
        let cpu = ProcessSample.cpuSeconds(from: before, to: after)
        serverCPUSeconds = cpu
        serverKernelSeconds = ProcessSample.kernelSeconds(from: before, to: after)
        let threads = ThreadCPU.spent(from: before, to: after).filter { $0.cpuSeconds > 0 }
        serverThreads = threads.isEmpty ? nil : threads
        serverRSSBytes = after?.rssBytes
        deliveredPerServerCPUSecond = deliveriesPerServerCPU ? cpu.map { Double(delivered) / max($0, 0.001) } : nil
        self.messagesPerFsync = messagesPerFsync
        sessionsClosedByServer = closed.count
        closeCodes = Set(closed).sorted()
    }

    func print(json: Bool) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Swift.print(String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self))
            return
        }
        let l = latencyMicroseconds
        var rows: [(String, String)] = [
            ("scenario", scenario + " " + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")),
            ("duration", String(format: "%.1f s", seconds)),
            ("published (acked)", "\(published)"),
            ("delivered", "\(delivered)  (\(String(format: "%.0f", deliveredPerSecond))/s)"),
            ("losses / duplicates", "\(losses) / \(duplicates)"),
            (
                "latency µs p50/p90/p99/p99.9/max",
                "\(l.p50) / \(l.p90) / \(l.p99) / \(l.p999) / \(l.max)  (n=\(l.count))"
            ),
        ]
        if let cpu = serverCPUSeconds {
            let kernel = serverKernelSeconds.map { String(format: " (kernel %.2f s, %.0f %%)", $0, 100 * $0 / max(cpu, 0.001)) } ?? ""
            rows.append(("server CPU", String(format: "%.2f s", cpu) + kernel))
        }
        if let threads = serverThreads {
            let shown = threads.prefix(4).map { "\($0.name) " + String(format: "%.2f s (kernel %.2f)", $0.cpuSeconds, $0.kernelSeconds) }
            rows.append(("server threads", shown.joined(separator: ", ") + (threads.count > 4 ? ", …" : "")))
        }
        if let rss = serverRSSBytes { rows.append(("server RSS", String(format: "%.1f MiB", Double(rss) / 1_048_576))) }
        if let rate = deliveredPerServerCPUSecond { rows.append(("delivered / server CPU s", String(format: "%.0f", rate))) }
        if sessionsClosedByServer > 0 {
            rows.append(("closed by server", "\(sessionsClosedByServer) (codes \(closeCodes.map(String.init).joined(separator: ", ")))"))
        }
        if let perConnection = rssBytesPerConnection {
            rows.append(("server RSS per connection", String(format: "%.0f bytes", perConnection)))
        }
        if let perFsync = messagesPerFsync { rows.append(("messages per fsync", String(format: "%.1f", perFsync))) }
        if let perFrame = messagesPerFrame { rows.append(("messages per frame", String(format: "%.2f", perFrame))) }
        if let pauses = hostPauses {
            let place = pauses.realtime ? "SCHED_FIFO" : "not real-time"
            rows.append((
                "host pauses > 3 ms",
                String(
                    format: "%d, %.1f ms (%.2f %% of the run), longest %.1f ms", pauses.pauses,
                    pauses.pausedSeconds * 1000, pauses.pausedPercent, pauses.longestSeconds * 1000)
                    + "  (\(place), \(pauses.wakes) wakes)"
            ))
        }
        let width = rows.map(\.0.count).max() ?? 0
        for (name, value) in rows { Swift.print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
    }
}
