/// One log record decoded: its event, and the `Idempotency-Key` claim that rode in the same
/// record, if any.
public struct DecodedRecord: Hashable, Sendable {
    public var event: Event
    /// The pending ``IdempotentReply`` of the request whose first effect `event` is.
    public var claim: IdempotentReply?

    public init(event: Event, claim: IdempotentReply? = nil) {
        self.event = event
        self.claim = claim
    }
}

/// Record type 39 (codec version 17): an event together with the `Idempotency-Key` of the
/// request that caused it, so that the effect and the key become durable in one frame, or
/// neither does (issue 15). The key is kept as a pending reply (``IdempotentReply/isPending``)
/// until the answer is logged; a retry after a crash between the two finds the key and does
/// not run the request again.
///
/// Payload: version byte, the claim's scope, request hash and time, the inner record's type
/// byte, then the inner record's payload exactly as ``EventCodec/encode(_:)`` writes it.
extension EventCodec {
    public static let claimedEffectType: UInt8 = 39

    public static func encode(_ event: Event, claim: IdempotentReply) -> (type: UInt8, payload: [UInt8]) {
        let (innerType, inner) = encode(event)
        var writer = BinaryWriter(capacity: inner.count + claim.scope.utf8.count + 96)
        writer.write(currentVersion)
        writer.write(claim.scope)
        writer.write(claim.requestHash)
        writer.write(claim.recordedAt)
        writer.write(innerType)
        return (claimedEffectType, writer.bytes + inner)
    }

    /// Decodes any record, keeping a claim that rides with its event.
    public static func decodeRecord(type: UInt8, payload: UnsafeRawBufferPointer) throws(CodecError) -> DecodedRecord {
        guard type == claimedEffectType else { return DecodedRecord(event: try decode(type: type, payload: payload)) }
        var reader = BinaryReader(payload)
        let version = try reader.readByte()
        guard version >= 17, version <= currentVersion else {
            throw version > currentVersion
                ? .unsupportedVersion(found: version, supported: currentVersion) : .malformed("record type 39 with version \(version)")
        }
        let claim = IdempotentReply.pending(
            scope: try reader.readString(), requestHash: try reader.readString(), at: try reader.readTimestamp())
        let innerType = try reader.readByte()
        guard innerType != claimedEffectType else { throw .malformed("a claimed effect inside a claimed effect") }
        let inner = UnsafeRawBufferPointer(rebasing: payload[reader.offset...])
        return DecodedRecord(event: try decode(type: innerType, payload: inner), claim: claim)
    }

    /// Decodes from an array (convenience for tests and tools).
    public static func decodeRecord(type: UInt8, payload: [UInt8]) throws(CodecError) -> DecodedRecord {
        do {
            return try payload.withUnsafeBytes { bytes in try decodeRecord(type: type, payload: bytes) }
        } catch let error as CodecError {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// Encodes a decoded record again (the inverse of ``decodeRecord(type:payload:)``).
    public static func encode(_ record: DecodedRecord) -> (type: UInt8, payload: [UInt8]) {
        if let claim = record.claim { encode(record.event, claim: claim) } else { encode(record.event) }
    }
}
