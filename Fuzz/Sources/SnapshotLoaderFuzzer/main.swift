import FuzzSupport
import ParleyModel
import ParleySnapshot
import ParleyStorage

fuzzMain { fuzz($0, $1) }

/// libFuzzer's objects refer to this symbol; it is the same test.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzz(data, size) }

/// The snapshot loader in three layers, chosen by the first byte: a whole snapshot file
/// (header, checksums, LZ4 frame, sizes), the LZ4 frame alone (its content size capped at
/// 1 MiB), and the state codec on a body. Each either throws or gives a value; a decoded state
/// encodes again and decodes to the same encoding.
func fuzz(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    guard size >= 1 else { return 0 }
    let rest = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 3 {
    case 0:
        if let (header, body) = try? SnapshotStore.read(bytes: Array(rest)) {
            _ = try? SnapshotStore.decodeState(header: header, body: body)
        }
    case 1:
        guard rest.count >= 4 else { return 0 }
        let expected = Int(rest.loadUnaligned(fromByteOffset: 0, as: UInt32.self).littleEndian) % (1 << 20)
        _ = try? LZ4Frame.decompress(UnsafeRawBufferPointer(rebasing: rest[4...]), expectedSize: expected)
    default:
        guard let state = try? StateCodec.decode(rest) else { return 0 }
        let encoded = StateCodec.encode(state)
        guard let again = try? encoded.withUnsafeBytes({ try StateCodec.decode($0) }) else {
            preconditionFailure("a state that decoded does not decode after encoding again")
        }
        precondition(StateCodec.encode(again) == encoded, "state encoding is not stable")
    }
    return 0
}
