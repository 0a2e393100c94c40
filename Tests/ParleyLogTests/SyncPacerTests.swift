import ParleyLog
import Testing

@Suite struct SyncPacerTests {
    private let start = ContinuousClock.now

    @Test func noDelayPacesNothing() {
        var pacer = SyncPacer(minimumInterval: .zero)
        pacer.syncStarted(at: start)
        #expect(pacer.delay(at: start) == .zero)
        #expect(pacer.delay(at: start + .microseconds(1)) == .zero)
    }

    @Test func theFirstSyncDoesNotWait() {
        let pacer = SyncPacer(minimumInterval: .milliseconds(1))
        #expect(pacer.delay(at: start) == .zero)
    }

    @Test func aSyncSoonAfterTheLastWaitsForWhatRemainsOfTheInterval() {
        var pacer = SyncPacer(minimumInterval: .milliseconds(1))
        pacer.syncStarted(at: start)
        #expect(pacer.delay(at: start) == .milliseconds(1))
        #expect(pacer.delay(at: start + .microseconds(300)) == .microseconds(700))
        #expect(pacer.delay(at: start + .microseconds(999)) == .microseconds(1))
    }

    /// Measured from the last sync's start: a sync that took longer than the interval is
    /// followed at once by the next (a slow disk is not paced twice).
    @Test func aSyncPastTheIntervalDoesNotWait() {
        var pacer = SyncPacer(minimumInterval: .milliseconds(1))
        pacer.syncStarted(at: start)
        #expect(pacer.delay(at: start + .milliseconds(1)) == .zero)
        #expect(pacer.delay(at: start + .milliseconds(5)) == .zero)
    }

    @Test func eachSyncRestartsTheInterval() {
        var pacer = SyncPacer(minimumInterval: .milliseconds(2))
        pacer.syncStarted(at: start)
        pacer.syncStarted(at: start + .milliseconds(3))
        #expect(pacer.delay(at: start + .milliseconds(4)) == .milliseconds(1))
    }
}
