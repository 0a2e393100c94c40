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
        var replay = Replay()
        try replay.apply(.siteCreated(SampleData.site))
        try replay.apply(.agentCreated(SampleData.agent))
        let day: Int64 = 86_400_000
        // One login a day for 100 days, each token living 30 days.
        for index in 0..<100 {
            try replay.apply(.refreshTokenIssued(Self.token(index, family: UInt64(index + 1), issuedAt: Timestamp(milliseconds: SampleData.t0.milliseconds + Int64(index) * day))))
        }
        #expect(replay.state.refreshTokens.count == 31, "the last 30 days' tokens and today's")
        #expect(replay.state.refreshTokens["hash-68"] == nil && replay.state.refreshTokens["hash-69"] != nil)
        try replay.apply(.refreshFamilyRevoked(family: 200, at: SampleData.t0))

        // A snapshot keeps what is live; the family watermark counts revoked families too.
        let restored = try StateCodec.encode(replay.state).withUnsafeBytes { try StateCodec.decode($0) }
        #expect(restored.refreshTokens == replay.state.refreshTokens)
        #expect(restored.watermarks.tokenFamily == 200)
        var replayed = restored
        let later = Self.token(500, family: 201, issuedAt: Timestamp(milliseconds: SampleData.t0.milliseconds + 140 * day))
        _ = try replayed.apply(.refreshTokenIssued(later), lsn: replay.lsn + 1)
        #expect(replayed.refreshTokens.keys.sorted() == ["hash-500"], "everything older expired")
    }
}

/// Applies events in LSN order, as a log replay does.
struct Replay {
    var state = ParleyState()
    var lsn: UInt64 = 0

    mutating func apply(_ event: Event) throws {
        lsn += 1
        _ = try state.apply(event, lsn: lsn)
    }
}
