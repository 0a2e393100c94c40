import FuzzSupport
import ParleyModel

fuzzMain { fuzz($0, $1) }

/// libFuzzer's objects refer to this symbol; it is the same test.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzz(data, size) }

/// The event codec on arbitrary record payloads: the first byte is the record type, the rest
/// the payload. Decoding either fails with a `CodecError` or gives a record (an event, and the
/// `Idempotency-Key` claim riding with it for type 39) that encodes back to a payload that
/// decodes to the same record (the log's replay relies on both).
func fuzz(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    guard size >= 1 else { return 0 }
    let type = data[0]
    let payload = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    guard type != 0, let record = try? EventCodec.decodeRecord(type: type, payload: payload) else { return 0 }
    let (encodedType, encoded) = EventCodec.encode(record)
    guard let again = try? EventCodec.decodeRecord(type: encodedType, payload: encoded) else {
        preconditionFailure("a record that decoded does not decode after encoding again: \(record)")
    }
    precondition(again == record, "a record changed on its way through the codec: \(record) became \(again)")
    precondition(EventCodec.encode(again) == (encodedType, encoded), "encoding is not stable for \(record)")
    return 0
}
