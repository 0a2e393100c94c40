import Foundation
import ParleyStorage
import Testing

@Suite struct OffloadedWorkTests {
    /// The work's thread carries the name it was given (`top -H`, `perf`).
    @Test func workRunsOnAThreadOfItsName() async throws {
        #if os(Linux)
        let name = try await OffloadedWork.run(name: "named-work") {
            try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
        }
        #expect(name == "named-work\n")
        #endif
    }

    /// Each priority sets the policy and nice value of the work's own thread only.
    @Test(arguments: [
        (OffloadedWork.Priority.idle, Int32(5), Int32(19)), (.background, 0, 19), (.normal, 0, 0),
    ])
    func workRunsAtItsPriorityOnItsOwnThread(priority: OffloadedWork.Priority, policy: Int32, nice: Int32) async throws {
        #if os(Linux)
        let before = (sched_getscheduler(0), getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
        let (ran, niceness) = try await OffloadedWork.run(name: "test-\(priority)", priority: priority) {
            (sched_getscheduler(0), getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
        }
        #expect(ran == policy && niceness == nice)
        // The caller's thread is untouched.
        #expect(sched_getscheduler(0) == before.0 && getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == before.1)
        #endif
    }
}
