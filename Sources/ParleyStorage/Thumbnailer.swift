import CVips
import Synchronization

/// Image thumbnails through libvips (the `CVips` system library): a JPEG at most ``width``
/// pixels on each side, kept as derived data beside the blobs (`blobs/thumbs/<sha256>.jpg`) —
/// not in the log: it can always be made again from the original.
public enum Thumbnailer {
    public static let width: Int32 = 256
    private static let started = Mutex<Bool?>(nil)

    /// A thumbnail of `image`; `nil` when libvips cannot read it.
    public static func thumbnail(of image: [UInt8]) -> [UInt8]? {
        let ready = started.withLock { state -> Bool in
            if let state { return state }
            let ok = parley_vips_start() == 0
            state = ok
            return ok
        }
        guard ready, !image.isEmpty else { return nil }
        var output: UnsafeMutableRawPointer?
        var length = 0
        let status = image.withUnsafeBytes { bytes in
            parley_vips_thumbnail(bytes.baseAddress, bytes.count, width, &output, &length)
        }
        guard status == 0, let output else { return nil }
        defer { parley_vips_free(output) }
        return Array(UnsafeRawBufferPointer(start: output, count: length))
    }
}
