import ParleyModel
import ParleyTestSupport
import Testing

/// Expired refresh tokens leave the state as new ones are issued (issue 15), the same way when
/// replayed, and no token family id is handed out twice after a snapshot.
@Suite struct TokenPruningTests {
    static func token(_ index: Int, family: UInt64, issuedAt: Timestamp, lifetimeDays: Int64 = 30) -> RefreshToken {
        RefreshToken(
            tokenHash: "hash-\(index)", family: family, agentID: SampleData.agent.id, issuedAt: issuedAt,
            expiresAt: Timestamp(milliseconds: issuedAt.milliseconds + lifetimeDays * 86_400_000))
    }

    @Test func expiredTokensArePrunedAsNewOnesArrive() throws {
        var state = ParleyState()
        var lsn: UInt64 = 0
        func apply(_ event: Event) throws {
            lsn += 1
            _ = try state.apply(event, lsn: lsn)
        }
        try apply(.siteCreated(SampleData.site))
        try apply(.agentCreated(SampleData.agent))
        let day: Int64 = 86_400_000
        // One login a day for 100 days, each token living 30 days.
        for index in 0..<100 {
            try apply(.refreshTokenIssued(Self.token(index, family: UInt64(index + 1), issuedAt: Timestamp(milliseconds: SampleData.t0.milliseconds + Int64(index) * day))))
        }
        #expect(state.refreshTokens.count == 31, "the last 30 days' tokens and today's")
        #expect(state.refreshTokens["hash-68"] == nil && state.refreshTokens["hash-69"] != nil)
        try apply(.refreshFamilyRevoked(family: 200, at: SampleData.t0))

        // A snapshot keeps what is live; the family watermark counts revoked families too.
        let restored = try StateCodec.encode(state).withUnsafeBytes { try StateCodec.decode($0) }
        #expect(restored.refreshTokens == state.refreshTokens)
        #expect(restored.watermarks.tokenFamily == 200)
        var replayed = restored
        let later = Self.token(500, family: 201, issuedAt: Timestamp(milliseconds: SampleData.t0.milliseconds + 140 * day))
        lsn += 1
        _ = try replayed.apply(.refreshTokenIssued(later), lsn: lsn)
        #expect(replayed.refreshTokens.keys.sorted() == ["hash-500"], "everything older expired")
    }
}

/// A visitor keeps its newest 16 sessions (issue 15); the same ones after a snapshot.
@Suite struct VisitorSessionBoundTests {
    @Test func theOldestSessionsOfAVisitorAreRetired() throws {
        var state = ParleyState()
        var lsn: UInt64 = 0
        func apply(_ event: Event) throws {
            lsn += 1
            _ = try state.apply(event, lsn: lsn)
        }
        try apply(.siteCreated(SampleData.site))
        try apply(.visitorRegistered(SampleData.visitor))
        // 20 sessions, issued out of order: 19, 18, … 0 seconds after t0.
        for index in (0..<20).reversed() {
            try apply(.visitorSessionIssued(
                SampleData.visitor.id, tokenHash: "s\(index)", at: Timestamp(milliseconds: SampleData.t0.milliseconds + Int64(index) * 1000)))
        }
        // The four issued first were the newest then; what is kept is the newest 16 by issue time.
        #expect(state.visitorSessions.count == 16)
        #expect((0..<4).allSatisfy { state.visitorSessions["s\($0)"] == nil })
        #expect((4..<20).allSatisfy { state.visitorSessions["s\($0)"] == SampleData.visitor.id })

        let restored = try StateCodec.encode(state).withUnsafeBytes { try StateCodec.decode($0) }
        #expect(restored.visitorSessions.all == state.visitorSessions.all)
        var replayed = restored
        _ = try replayed.apply(
            .visitorSessionIssued(SampleData.visitor.id, tokenHash: "s99", at: Timestamp(milliseconds: SampleData.t0.milliseconds + 99_000)),
            lsn: lsn + 1)
        #expect(replayed.visitorSessions["s4"] == nil && replayed.visitorSessions["s99"] != nil && replayed.visitorSessions.count == 16)
    }
}
