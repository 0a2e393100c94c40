import Foundation
import ParleyStorage
import Testing

@Suite struct OffloadedWorkTests {
    /// Low-priority work runs in the idle scheduling class at nice 19, on its own thread only.
    @Test func lowPriorityWorkRunsIdleAndNiceOnItsOwnThread() async throws {
        #if os(Linux)
        let (policy, nice) = try await OffloadedWork.run(name: "test-low", lowPriority: true) {
            (sched_getscheduler(0), getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
        }
        #expect(policy == 5 && nice == 19)
        let normal = try await OffloadedWork.run(name: "test-normal") { sched_getscheduler(0) }
        #expect(normal == 0)
        #endif
    }
}
