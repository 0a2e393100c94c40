import CLZ4

/// LZ4 *frame* compression through liblz4, so that `lz4 -d` can unpack a snapshot's payload.
public enum LZ4Frame {
    /// Compresses `bytes` into one LZ4 frame with the content size and a content checksum.
    public static func compress(_ bytes: [UInt8]) throws(SnapshotError) -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.contentSize = UInt64(bytes.count)
        let bound = LZ4F_compressFrameBound(bytes.count, &preferences)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in
                LZ4F_compressFrame(destination.baseAddress, bound, source.baseAddress, source.count, &preferences)
            }
        }
        guard LZ4F_isError(written) == 0 else {
            throw .compression(String(cString: LZ4F_getErrorName(written)))
        }
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses one LZ4 frame whose content is `expectedSize` bytes.
    public static func decompress(_ frame: UnsafeRawBufferPointer, expectedSize: Int) throws(SnapshotError) -> [UInt8] {
        var context: OpaquePointer?
        let created = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(created) == 0, let context else { throw .compression("cannot create an LZ4 context") }
        defer { LZ4F_freeDecompressionContext(context) }
        var output = [UInt8](repeating: 0, count: expectedSize)
        var consumed = 0
        var produced = 0
        var finished = false
        let failure: String? = output.withUnsafeMutableBytes { destination in
            while consumed < frame.count {
                var sourceSize = frame.count - consumed
                var destinationSize = expectedSize - produced
                let hint = LZ4F_decompress(
                    context, destination.baseAddress.map { $0 + produced }, &destinationSize,
                    frame.baseAddress! + consumed, &sourceSize, nil)
                if LZ4F_isError(hint) != 0 { return String(cString: LZ4F_getErrorName(hint)) }
                consumed += sourceSize
                produced += destinationSize
                if hint == 0 {
                    finished = true
                    break
                }
                if sourceSize == 0 && destinationSize == 0 { return "LZ4 frame makes no progress" }
            }
            return nil
        }
        if let failure { throw .damaged("LZ4 frame: \(failure)") }
        guard finished else { throw .damaged("LZ4 frame is cut short") }
        guard consumed == frame.count else { throw .damaged("\(frame.count - consumed) bytes after the LZ4 frame") }
        guard produced == expectedSize else {
            throw .damaged("LZ4 frame holds \(produced) bytes, the header says \(expectedSize)")
        }
        return output
    }
}
