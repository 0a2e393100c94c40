#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// `--host-pauses`: while a scenario measures, a thread of the harness sleeps 1 ms at a time at
/// `SCHED_FIFO` priority 50 (so nothing in the machine delays it) and counts the wakes more than
/// 3 ms late. On a quiet machine there are none; on a virtual machine whose host pauses it
/// (docs/PERFORMANCE.md, "The support tail and the host's CPU budget") they come in runs of
/// 10-20 ms, and the report says how much of the run they took, so a tail can be told apart from
/// the server's own. It runs on the harness's core, not the server's: the host pauses every
/// virtual CPU at once, and there it takes its microseconds from the harness. `tools/stall-probe.py`
/// is the same probe on its own.
final class HostPauseProbe: Sendable {
    /// What the probe saw.
    struct Pauses: Encodable, Sendable {
        var realtime: Bool
        var wakes: Int
        var pauses: Int
        var pausedSeconds: Double
        var pausedPercent: Double
        var longestSeconds: Double
    }

    static let period: Duration = .milliseconds(1)
    static let late: Duration = .milliseconds(3)

    private struct Tally {
        var realtime = false
        var wakes = 0
        var pauses = 0
        var paused: Duration = .zero
        var longest: Duration = .zero
    }

    private let stopping = Atomic<Bool>(false)
    private let tally = Mutex(Tally())
    private let finished = DispatchSemaphore(value: 0)
    private let started = ContinuousClock.now

    /// Starts probing.
    init() {
        let thread = Thread { [self] in run() }
        thread.name = "host-pause-probe"
        thread.start()
    }

    /// Stops the probe and returns what it saw.
    func stop() -> Pauses {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
        let elapsed = ContinuousClock.now - started
        return tally.withLock { tally in
            Pauses(
                realtime: tally.realtime, wakes: tally.wakes, pauses: tally.pauses,
                pausedSeconds: tally.paused.inSeconds,
                pausedPercent: elapsed > .zero ? 100 * tally.paused.inSeconds / elapsed.inSeconds : 0,
                longestSeconds: tally.longest.inSeconds)
        }
    }

    private func run() {
        defer { finished.signal() }
        var parameters = sched_param(sched_priority: 50)
        let realtime = sched_setscheduler(0, SCHED_FIFO, &parameters) == 0
        tally.withLock { $0.realtime = realtime }
        let clock = ContinuousClock()
        while !stopping.load(ordering: .relaxed) {
            let before = clock.now
            usleep(UInt32(Self.period / .microseconds(1)))
            let lateness = clock.now - before - Self.period
            tally.withLock { tally in
                tally.wakes += 1
                if lateness > Self.late {
                    tally.pauses += 1
                    tally.paused += lateness
                    tally.longest = max(tally.longest, lateness)
                }
            }
        }
    }
}
