extension ParleyState {
    /// Applies one decoded log record: its event, then the `Idempotency-Key` claim that rode
    /// with it, which is kept only when the event was not refused (one record, one outcome).
    /// Returns whether the event changed the state.
    public mutating func apply(_ record: DecodedRecord, lsn: UInt64) throws(StateError) -> Bool {
        let changed = try apply(record.event, lsn: lsn)
        if let claim = record.claim { _ = try apply(.idempotentReplyRecorded(claim), lsn: lsn) }
        return changed
    }
}
