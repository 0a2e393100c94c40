import CISAL

/// CRC-32C (Castagnoli), the checksum of every log frame, snapshot and history file.
///
/// Computed by Intel's ISA-L (`crc32_iscsi`, Debian's `libisal`), which picks the processor's
/// CRC32 instruction at run time where it has one (SSE4.2 on x86-64, the CRC extension on
/// Arm) and a table otherwise. `update` chains: the checksum of A+B is
/// `update(update(seed, A), B)`.
///
/// `crc32_iscsi` neither inverts its seed nor its result (iSCSI's convention), so the standard
/// CRC-32C of `bytes` continuing from `crc` is `~crc32_iscsi(bytes, ~crc)`.
public enum CRC32C {
    /// The most bytes handed to one `crc32_iscsi` call (its length is a C `int`).
    private static let chunk = 1 << 30

    /// Continues the checksum `crc` over `bytes` (start with 0).
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var base = bytes.baseAddress else { return crc }
        var value = ~crc
        var remaining = bytes.count
        while remaining > 0 {
            let length = min(remaining, chunk)
            // crc32_iscsi reads the buffer only; its parameter lacks `const`.
            value = crc32_iscsi(UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self)),
                                Int32(length), value)
            base += length
            remaining -= length
        }
        return ~value
    }

    public static func update(_ crc: UInt32, _ bytes: some Collection<UInt8>) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ update(crc, UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { update(crc, $0) }
    }

    /// The checksum of `bytes` alone.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 { update(0, bytes) }
}
