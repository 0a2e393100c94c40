public import ParleyModel

extension SampleData {
    /// The key that rides with the conversation's opening (record 6 of the golden log), still
    /// pending in the golden snapshot and answered later in the log.
    public static let openingClaim = IdempotentReply.pending(
        scope: "agent:1 /v1/conversations open-1", requestHash: String(repeating: "ab", count: 32), at: t0)

    /// Every event, with the `Idempotency-Key` claims of codec version 17 (record type 39):
    /// one answered (type 16, of the same time as its key) and one left pending, as after a
    /// crash between an effect and its answer.
    public static var version17Records: [DecodedRecord] {
        var records = everyEvent.map { DecodedRecord(event: $0) }
        precondition(records[5].event.recordType == .conversationOpened, "the opening is the sixth event")
        records[5].claim = openingClaim
        let answer = IdempotentReply(
            scope: openingClaim.scope, requestHash: openingClaim.requestHash, status: 201, contentType: "application/json",
            body: #"{"success":true,"data":{"id":"conv_1"}}"#, recordedAt: t0)
        let later = Timestamp(milliseconds: t0.milliseconds + 5000)
        records += [
            DecodedRecord(event: .idempotentReplyRecorded(answer)),
            DecodedRecord(
                event: .conversationOpened(
                    Conversation(id: ConversationID(17), siteID: site.id, visitorID: visitor.id, subject: "Pending", createdAt: later)),
                claim: .pending(scope: "visitor:1 /v1/conversations open-17", requestHash: String(repeating: "cd", count: 32), at: later)),
        ]
        return records
    }
}
