public import ParleyModel
public import ParleySnapshot

/// The store's snapshot body: a ``ParleyState`` encoded by ``StateCodec``, with its entity
/// counts in the header slots (sites, agents, visitors, conversations, messages, read cursors).
extension SnapshotStore {
    /// Writes `state` as the snapshot at its applied LSN.
    @discardableResult
    public func write(_ state: ParleyState) throws -> SnapshotInfo {
        let counts = state.counts
        return try write(
            body: StateCodec.encode(state), lsn: state.appliedLSN, createdAt: Timestamp.now().milliseconds,
            bodyVersion: UInt16(EventCodec.currentVersion),
            counts: [counts.sites, counts.agents, counts.visitors, counts.conversations, counts.messages, counts.readCursors])
    }

    /// `state` as the bytes of a snapshot file at its applied LSN (the cluster's shared snapshot).
    public static func fileBytes(of state: ParleyState) throws -> [UInt8] {
        let counts = state.counts
        return try fileBytes(
            body: StateCodec.encode(state), lsn: state.appliedLSN, createdAt: Timestamp.now().milliseconds,
            bodyVersion: UInt16(EventCodec.currentVersion),
            counts: [counts.sites, counts.agents, counts.visitors, counts.conversations, counts.messages, counts.readCursors]
        ).bytes
    }

    /// Checks a snapshot file's bytes and decodes the state they hold.
    public static func decodeState(fileBytes bytes: [UInt8]) throws -> ParleyState {
        let (header, body) = try read(bytes: bytes)
        return try decodeState(header: header, body: body)
    }

    /// Decodes a snapshot body into the state, checking its codec version and LSN.
    public static func decodeState(header: SnapshotHeader, body: [UInt8]) throws -> ParleyState {
        guard header.bodyVersion <= UInt16(EventCodec.currentVersion) else {
            throw CodecError.unsupportedVersion(found: UInt8(clamping: header.bodyVersion), supported: EventCodec.currentVersion)
        }
        let state = try body.withUnsafeBytes { raw in try StateCodec.decode(raw) }
        guard state.appliedLSN == header.lsn else {
            throw SnapshotError.damaged("body LSN \(state.appliedLSN) differs from header LSN \(header.lsn)")
        }
        return state
    }
}
