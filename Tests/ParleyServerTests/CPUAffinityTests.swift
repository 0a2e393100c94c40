import ParleyServer
import Testing

/// `parley serve` sizes its event loops to the cores it may run on, read from /proc.
@Suite struct CPUAffinityTests {
    @Test func theAllowedMaskIsCounted() {
        #expect(CPUAffinity.cores(inStatus: "Name:\tparley\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n") == 2)
        #expect(CPUAffinity.cores(inStatus: "Cpus_allowed:\t00000000,00000001\n") == 1)
        #expect(CPUAffinity.cores(inStatus: "Cpus_allowed:\tffffffff,ffffffff\n") == 64)
        #expect(CPUAffinity.cores(inStatus: "Name:\tparley\n") == nil)
        #expect(CPUAffinity.cores(inStatus: "Cpus_allowed:\tzz\n") == nil)
        #expect(CPUAffinity.usableCores() >= 1)
    }
}
