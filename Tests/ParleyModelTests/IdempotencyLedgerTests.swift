import ParleyModel
import Testing

@Suite struct IdempotencyLedgerTests {
    static let hour: Int64 = 3_600_000

    func reply(_ scope: String, at hours: Int64) -> IdempotentReply {
        IdempotentReply(
            scope: scope, requestHash: "h", status: 201, contentType: "application/json", body: "{}",
            recordedAt: Timestamp(milliseconds: hours * Self.hour))
    }

    @Test func aReplyIsKeptForADay() {
        var ledger = IdempotencyLedger()
        ledger.record(reply("a", at: 0))
        #expect(ledger.reply(for: "a", now: Timestamp(milliseconds: 23 * Self.hour)) != nil)
        #expect(ledger.reply(for: "a", now: Timestamp(milliseconds: 24 * Self.hour)) == nil)
        #expect(ledger.reply(for: "b", now: Timestamp(milliseconds: 0)) == nil)
    }

    @Test func recordingPrunesWhatAgedOutBehindTheNewest() {
        var ledger = IdempotencyLedger()
        ledger.record(reply("a", at: 0))
        ledger.record(reply("b", at: 10))
        ledger.record(reply("c", at: 25))
        #expect(Set(ledger.replies.keys) == ["b", "c"])
        // Rebuilding from a snapshot's list gives the same ledger.
        #expect(IdempotencyLedger(ledger.sorted).sorted == ledger.sorted)
    }

    @Test func replayingAKeptReplyChangesNothing() throws {
        var state = ParleyState()
        let event = Event.idempotentReplyRecorded(reply("a", at: 1))
        #expect(try state.apply(event, lsn: 1))
        #expect(try state.apply(event, lsn: 1) == false)
        #expect(state.idempotency.replies.count == 1)
    }

    /// libFuzzer (Fuzz/SnapshotLoaderFuzzer): a reply whose time is near Int64.min trapped on
    /// the lifetime subtraction while a snapshot was decoded.
    @Test func aReplyFromTheDistantPastDoesNotTrap() {
        var ledger = IdempotencyLedger()
        ledger.record(IdempotentReply(
            scope: "s", requestHash: "h", status: 201, contentType: nil, body: "{}", recordedAt: Timestamp(milliseconds: .min + 5)))
        #expect(ledger.replies["s"] != nil)
    }
}
