/// CRC-32C (Castagnoli), the checksum of every log frame and snapshot.
///
/// Slicing-by-8 over a table built once; about 1.5 GB/s on one core, far above what a disk
/// or the log needs. `update` chains: the checksum of A+B is `update(update(seed, A), B)`.
public enum CRC32C {
    private static let polynomial: UInt32 = 0x82F6_3B78

    private static let tables: [[UInt32]] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for index in 0..<256 {
            var crc = UInt32(index)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            tables[0][index] = crc
        }
        for index in 0..<256 {
            for slice in 1..<8 {
                let previous = tables[slice - 1][index]
                tables[slice][index] = (previous >> 8) ^ tables[0][Int(previous & 0xff)]
            }
        }
        return tables
    }()

    /// Continues the checksum `crc` over `bytes` (start with 0).
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var value = ~crc
        var index = 0
        let count = bytes.count
        tables.withUnsafeBufferPointer { tables in
            let t0 = tables[0], t1 = tables[1], t2 = tables[2], t3 = tables[3]
            let t4 = tables[4], t5 = tables[5], t6 = tables[6], t7 = tables[7]
            while count - index >= 8 {
                let low = value ^ (UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                    | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24)
                value = t7[Int(low & 0xff)] ^ t6[Int((low >> 8) & 0xff)] ^ t5[Int((low >> 16) & 0xff)]
                    ^ t4[Int(low >> 24)] ^ t3[Int(bytes[index + 4])] ^ t2[Int(bytes[index + 5])]
                    ^ t1[Int(bytes[index + 6])] ^ t0[Int(bytes[index + 7])]
                index += 8
            }
            while index < count {
                value = (value >> 8) ^ t0[Int((value ^ UInt32(bytes[index])) & 0xff)]
                index += 1
            }
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
