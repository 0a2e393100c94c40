/// The end of a publishing run: wait (at most `limit`) until every publish sent has been
/// acknowledged, and then until every acknowledged message was delivered where it should be.
///
/// Both halves matter. A run that only compared deliveries with acknowledgements could stop
/// while the last publishes were still in flight (neither acknowledged nor delivered, so the
/// counts agree), and the acknowledgements that arrived while the connections closed would
/// then count as losses. The caller takes its set of acknowledged messages after `wait`
/// returns, and only those are judged.
enum Drain {
    static func wait(
        limit: Duration = .seconds(5), sent: Int, acknowledged: () -> Int, deliveredEnough: () -> Bool
    ) async throws {
        let until = ContinuousClock.now + limit
        while ContinuousClock.now < until, acknowledged() < sent {
            try await Task.sleep(for: .milliseconds(20))
        }
        while ContinuousClock.now < until, !deliveredEnough() {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
