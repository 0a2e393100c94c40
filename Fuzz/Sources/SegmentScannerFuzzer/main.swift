import FuzzSupport
import ParleyLog

fuzzMain { fuzz($0, $1) }

/// libFuzzer's objects refer to this symbol; it is the same test.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzz(data, size) }

/// The segment scanner on arbitrary segment bytes, as a start reads a damaged disk: it never
/// traps, and what it reports is consistent — the valid end lies inside the bytes, every record
/// it visited lies before it, and damage is reported exactly when it stopped short of the end
/// or of the zeros that end a segment's reserved space.
func fuzz(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var visited: UInt64 = 0
    var lastEnd = SegmentFormat.headerSize
    let result = SegmentScanner.scan(bytes, expectedFirstLSN: 1) { record in
        precondition(record.lsn == 1 + visited, "records out of order")
        precondition(record.offset >= lastEnd, "records overlap")
        lastEnd = record.offset + SegmentFormat.frameSize(payloadCount: record.payload.count)
        visited += 1
    }
    precondition(result.recordCount == visited)
    precondition(result.validEnd <= size)
    precondition(visited == 0 || result.validEnd == lastEnd)
    let restIsZero = UnsafeRawBufferPointer(rebasing: bytes[result.validEnd...]).allSatisfy { $0 == 0 }
    precondition(
        (result.damage == nil) == (size >= SegmentFormat.headerSize && result.validEnd >= SegmentFormat.headerSize && restIsZero)
            || size < SegmentFormat.headerSize)
    return 0
}
