import ParleyModel
import ParleyTestSupport
import Testing

/// A visitor keeps its newest 16 sessions (issue 15); the same ones after a snapshot.
@Suite struct VisitorSessionBoundTests {
    @Test func theOldestSessionsOfAVisitorAreRetired() throws {
        var replay = Replay()
        try replay.apply(.siteCreated(SampleData.site))
        try replay.apply(.visitorRegistered(SampleData.visitor))
        // 20 sessions, issued out of order: 19, 18, … 0 seconds after t0.
        for index in (0..<20).reversed() {
            try replay.apply(.visitorSessionIssued(
                SampleData.visitor.id, tokenHash: "s\(index)", at: Timestamp(milliseconds: SampleData.t0.milliseconds + Int64(index) * 1000)))
        }
        // The four issued first were the newest then; what is kept is the newest 16 by issue time.
        #expect(replay.state.visitorSessions.count == 16)
        #expect((0..<4).allSatisfy { replay.state.visitorSessions["s\($0)"] == nil })
        #expect((4..<20).allSatisfy { replay.state.visitorSessions["s\($0)"] == SampleData.visitor.id })

        let restored = try StateCodec.encode(replay.state).withUnsafeBytes { try StateCodec.decode($0) }
        #expect(restored.visitorSessions.all == replay.state.visitorSessions.all)
        var replayed = restored
        _ = try replayed.apply(
            .visitorSessionIssued(SampleData.visitor.id, tokenHash: "s99", at: Timestamp(milliseconds: SampleData.t0.milliseconds + 99_000)),
            lsn: replay.lsn + 1)
        #expect(replayed.visitorSessions["s4"] == nil && replayed.visitorSessions["s99"] != nil && replayed.visitorSessions.count == 16)
    }
}
