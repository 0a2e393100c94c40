import ParleyModel
import ParleyTestSupport
import Testing

/// Record type 39: an effect and the `Idempotency-Key` claim of its request in one record
/// (codec version 17, issue 15).
@Suite struct ClaimedEffectTests {
    let claim = SampleData.openingClaim
    let opening = Event.conversationOpened(SampleData.conversation)

    @Test func aClaimedEffectRoundTrips() throws {
        let (type, payload) = EventCodec.encode(opening, claim: claim)
        #expect(type == EventCodec.claimedEffectType)
        #expect(try EventCodec.decodeRecord(type: type, payload: payload) == DecodedRecord(event: opening, claim: claim))
        // Readers that want only the event get the effect.
        #expect(try EventCodec.decode(type: type, payload: payload) == opening)
        // A plain record decodes without a claim.
        let (plainType, plain) = EventCodec.encode(opening)
        #expect(try EventCodec.decodeRecord(type: plainType, payload: plain) == DecodedRecord(event: opening))
    }

    @Test func damagedClaimedRecordsAreRefused() {
        let (type, payload) = EventCodec.encode(opening, claim: claim)
        for length in 0..<payload.count {
            #expect(throws: CodecError.self) { try EventCodec.decodeRecord(type: type, payload: Array(payload.prefix(length))) }
        }
        var older = payload
        older[0] = 16
        #expect(throws: CodecError.self) { try EventCodec.decodeRecord(type: type, payload: older) }
        var newer = payload
        newer[0] = EventCodec.currentVersion + 1
        #expect(throws: CodecError.unsupportedVersion(found: EventCodec.currentVersion + 1, supported: EventCodec.currentVersion)) {
            try EventCodec.decodeRecord(type: type, payload: newer)
        }
        // A claimed effect inside a claimed effect.
        let (_, inner) = EventCodec.encode(opening, claim: claim)
        var writer = BinaryWriter(capacity: 64)
        writer.write(EventCodec.currentVersion)
        writer.write("s")
        writer.write("h")
        writer.write(SampleData.t0)
        writer.write(EventCodec.claimedEffectType)
        #expect(throws: CodecError.self) { try EventCodec.decodeRecord(type: type, payload: writer.bytes + inner) }
    }

    @Test func theClaimIsKeptOnlyWithItsEffect() throws {
        var state = ParleyState()
        for (index, event) in SampleData.version1Events.prefix(5).enumerated() { _ = try state.apply(event, lsn: UInt64(index + 1)) }
        #expect(try state.apply(DecodedRecord(event: opening, claim: claim), lsn: 6))
        #expect(state.idempotency.replies[claim.scope] == claim)
        // An effect the state refuses keeps no claim: the retry may run again.
        var stray = SampleData.agent
        stray.id = AgentID(2)
        stray.siteID = SiteID(99)
        let refused = IdempotentReply.pending(scope: "refused", requestHash: "h", at: SampleData.t0)
        #expect(throws: StateError.self) { try state.apply(DecodedRecord(event: .agentCreated(stray), claim: refused), lsn: 7) }
        #expect(state.idempotency.replies["refused"] == nil)
    }

    @Test func theAnswerReplacesItsPendingKeyAndNotTheOtherWayRound() throws {
        var state = ParleyState()
        _ = try state.apply(.idempotentReplyRecorded(claim), lsn: 1)
        let answer = IdempotentReply(
            scope: claim.scope, requestHash: claim.requestHash, status: 201, contentType: nil, body: "{}", recordedAt: claim.recordedAt)
        #expect(try state.apply(.idempotentReplyRecorded(answer), lsn: 2))
        #expect(state.idempotency.replies[claim.scope] == answer)
        // Replaying the claim over a snapshot that has the answer changes nothing.
        #expect(try state.apply(.idempotentReplyRecorded(claim), lsn: 3) == false)
        #expect(state.idempotency.replies[claim.scope] == answer)
        // A later key of the same scope (after the first aged out) is kept.
        let later = IdempotentReply.pending(
            scope: claim.scope, requestHash: "other", at: Timestamp(milliseconds: claim.recordedAt.milliseconds + 1))
        #expect(try state.apply(.idempotentReplyRecorded(later), lsn: 4))
        #expect(state.idempotency.replies[claim.scope]?.isPending == true)
    }
}
